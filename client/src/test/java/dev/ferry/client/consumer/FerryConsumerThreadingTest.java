package dev.ferry.client.consumer;

import dev.ferry.client.TopicPartition;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ConcurrentModificationException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FerryConsumerThreadingTest {
    @Test
    void secondThreadIsRejectedWhileOneIsInside() throws Exception {
        // Port 1: nothing answers, so poll keeps looking for positions until its timeout.
        try (FerryConsumer consumer = new FerryConsumer(Map.of("bootstrap.servers", "127.0.0.1:1",
            "auto.offset.reset", "earliest", "request.timeout.ms", "200"))) {
            consumer.assign(List.of(new TopicPartition("t", 0)));
            // Both threads race for the consumer: the poller retries until it gets in, then holds it for 3 s.
            final CompletableFuture<ConsumerRecords> polling = CompletableFuture.supplyAsync(() -> {
                while (true) {
                    try {
                        return consumer.poll(Duration.ofSeconds(3));
                    } catch (final ConcurrentModificationException e) {
                        Thread.onSpinWait();
                    }
                }
            });
            final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            boolean rejected = false;
            while (!rejected && System.nanoTime() < end) {
                try {
                    consumer.assignment();
                    Thread.onSpinWait();
                } catch (final ConcurrentModificationException e) {
                    rejected = true;
                }
            }
            assertThat(polling).isNotCompletedExceptionally();
            assertThat(rejected).isTrue();
            assertThatThrownBy(consumer::assignment).isInstanceOf(ConcurrentModificationException.class)
                .hasMessageContaining("not safe for multi-threaded access");
            polling.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void blockingCallsTimeOutWithRequestTimedOut() {
        try (FerryConsumer consumer = new FerryConsumer(Map.of("bootstrap.servers", "127.0.0.1:1",
            "request.timeout.ms", "100"))) {
            final TopicPartition tp = new TopicPartition("t", 0);
            assertThatThrownBy(() -> consumer.offsetsForTimes(Map.of(tp, 0L), Duration.ofMillis(300)))
                .isInstanceOf(dev.ferry.client.errors.FerryException.class).hasMessageContaining("REQUEST_TIMED_OUT");
        }
    }
}
