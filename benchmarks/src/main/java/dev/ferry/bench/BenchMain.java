package dev.ferry.bench;

/** Entry point of the benchmarks jar; dispatches to a perf tool by name. */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(final String[] args) throws Exception {
        System.out.println("usage: java -jar ferry-benchmarks.jar demo|log-perf");
    }
}
