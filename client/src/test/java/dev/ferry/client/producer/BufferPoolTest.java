package dev.ferry.client.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.client.errors.FerryException;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

class BufferPoolTest {
    @Test
    void reusesBatchSizedBuffersAndAccountsOthers() throws Exception {
        final BufferPool pool = new BufferPool(1000, 100);
        final ByteBuffer a = pool.allocate(100, 0);
        final ByteBuffer big = pool.allocate(500, 0);
        assertThat(pool.availableMemory()).isEqualTo(400);
        pool.deallocate(a);
        assertThat(pool.allocate(100, 0)).isSameAs(a);
        pool.deallocate(big);
        assertThat(pool.availableMemory()).isEqualTo(900);
    }

    @Test
    void exhaustedMemoryTimesOutNamingBufferMemory() throws Exception {
        final BufferPool pool = new BufferPool(200, 100);
        pool.allocate(100, 0);
        pool.allocate(100, 0);
        assertThatThrownBy(() -> pool.allocate(100, 50)).isInstanceOf(FerryException.class)
            .hasMessageContaining("buffer.memory=200").hasMessageContaining("max.block.ms=50");
        assertThatThrownBy(() -> pool.allocate(300, 0)).hasMessageContaining("larger than buffer.memory");
    }

    @Test
    void blockedAllocationResumesWhenMemoryIsGivenBack() throws Exception {
        final BufferPool pool = new BufferPool(200, 100);
        final ByteBuffer a = pool.allocate(100, 0);
        pool.allocate(100, 0);
        final CountDownLatch started = new CountDownLatch(1);
        final CompletableFuture<ByteBuffer> waiting = CompletableFuture.supplyAsync(() -> {
            started.countDown();
            try {
                return pool.allocate(100, 30_000);
            } catch (final InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        started.await();
        assertThat(waiting).isNotDone();
        pool.deallocate(a);
        assertThat(waiting.get(10, TimeUnit.SECONDS)).isSameAs(a);
    }
}
