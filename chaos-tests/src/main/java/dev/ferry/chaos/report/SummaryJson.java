package dev.ferry.chaos.report;

import dev.ferry.chaos.checker.AnomalyKind;
import dev.ferry.chaos.checker.CheckResult;
import dev.ferry.chaos.checker.Finding;
import dev.ferry.chaos.checker.HistoryCounts;
import dev.ferry.chaos.checker.Unavailability;
import dev.ferry.chaos.checker.UnavailabilitySample;

import java.time.Instant;
import java.util.Map;

/**
 * The run's summary as JSON: the headline figures first (flat, for CI to read), then every anomaly kind with its
 * examples, the faults, the unavailability samples and the per-second timeline.
 *
 * <p>Stateless; thread-safe.
 */
final class SummaryJson {
    private SummaryJson() {
    }

    static String render(final RunInfo run, final long startWallMs, final CheckResult result,
                         final Timeline timeline) {
        final StringBuilder out = new StringBuilder(4096);
        final JsonWriter json = new JsonWriter(out);
        json.beginObject();
        json.name("run").value(run.name());
        json.name("seed").value(run.seed());
        json.name("startedAt").value(Instant.ofEpochMilli(startWallMs).toString());
        json.name("durationMs").value(Math.round(timeline.durationS() * 1000));
        json.name("valid").value(result.valid());
        headline(json, result);
        json.name("settings").beginObject();
        for (final Map.Entry<String, String> e : run.settings().entrySet()) {
            json.name(e.getKey()).value(e.getValue());
        }
        json.endObject();
        anomalies(json, result);
        faults(json, timeline);
        samples(json, result.unavailability());
        json.name("timeline").beginObject();
        json.name("acknowledgedPerSecond");
        longs(json, timeline.acknowledgedPerSecond());
        json.name("errorsPerSecond");
        longs(json, timeline.errorsPerSecond());
        json.endObject();
        json.endObject();
        return out.append('\n').toString();
    }

    private static void headline(final JsonWriter json, final CheckResult result) {
        final HistoryCounts counts = result.counts();
        json.name("operations").value(counts.operations());
        json.name("sent").value(counts.sent());
        json.name("acknowledged").value(counts.acknowledged());
        json.name("failed").value(counts.failed());
        json.name("unknown").value(counts.unknown());
        json.name("reads").value(counts.reads());
        json.name("commits").value(counts.commits());
        json.name("faultsApplied").value(counts.faults());
        json.name("lost").value(result.count(AnomalyKind.LOST));
        json.name("duplicated").value(result.count(AnomalyKind.DUPLICATE));
        json.name("reordered").value(result.count(AnomalyKind.REORDERED));
        json.name("outOfSequence").value(result.count(AnomalyKind.OUT_OF_SEQUENCE));
        json.name("corrupt").value(result.count(AnomalyKind.CORRUPT));
        json.name("unexpected").value(result.count(AnomalyKind.UNEXPECTED));
        json.name("failedButPresent").value(result.count(AnomalyKind.FAILED_BUT_PRESENT));
        json.name("disappeared").value(result.count(AnomalyKind.DISAPPEARED));
        json.name("diverged").value(result.count(AnomalyKind.DIVERGED));
        json.name("unprocessedBelowCommit").value(result.count(AnomalyKind.UNPROCESSED_BELOW_COMMIT));
        json.name("reprocessedBelowCommit").value(result.count(AnomalyKind.REPROCESSED_BELOW_COMMIT));
        final Unavailability u = result.unavailability();
        json.name("unavailabilityMs").beginObject();
        json.name("p50").value(round(u.p50Ms()));
        json.name("p99").value(round(u.p99Ms()));
        json.name("max").value(round(u.maxMs()));
        json.name("samples").value(u.samples().size());
        json.name("unrecovered").value(u.unrecovered());
        json.endObject();
    }

    private static void anomalies(final JsonWriter json, final CheckResult result) {
        json.name("anomalies").beginObject();
        for (final AnomalyKind kind : AnomalyKind.values()) {
            final Finding finding = result.findings().get(kind);
            json.name(kind.name()).beginObject();
            json.name("count").value(finding.count());
            json.name("description").value(kind.description());
            json.name("examples").beginArray();
            for (final String example : finding.examples()) {
                json.value(example);
            }
            json.endArray();
            json.endObject();
        }
        json.endObject();
    }

    private static void faults(final JsonWriter json, final Timeline timeline) {
        json.name("faults").beginArray();
        for (final Timeline.FaultInterval fault : timeline.faults()) {
            json.beginObject();
            json.name("id").value(fault.faultId());
            json.name("kind").value(fault.kind().name());
            json.name("name").value(fault.name());
            json.name("targets").beginArray();
            for (final String target : fault.targets()) {
                json.value(target);
            }
            json.endArray();
            json.name("startMs").value(Math.round(fault.startS() * 1000));
            json.name("endMs").value(Math.round(fault.endS() * 1000));
            json.name("healed").value(fault.healed());
            json.endObject();
        }
        json.endArray();
    }

    private static void samples(final JsonWriter json, final Unavailability unavailability) {
        json.name("unavailability").beginArray();
        for (final UnavailabilitySample sample : unavailability.samples()) {
            json.beginObject();
            json.name("faultId").value(sample.faultId());
            json.name("fault").value(sample.faultName());
            json.name("partition").value(sample.partition().toString());
            json.name("recovered").value(sample.recovered());
            json.name("ms").value(round(sample.millis()));
            json.endObject();
        }
        json.endArray();
    }

    private static void longs(final JsonWriter json, final long[] values) {
        json.beginArray();
        for (final long v : values) {
            json.value(v);
        }
        json.endArray();
    }

    /** Tenths of a millisecond are plenty, and keep the file readable. */
    static double round(final double ms) {
        return Math.round(ms * 10) / 10.0;
    }
}
