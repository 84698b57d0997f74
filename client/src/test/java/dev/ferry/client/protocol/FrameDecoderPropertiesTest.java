package dev.ferry.client.protocol;

import dev.ferry.client.protocol.proto.RequestHeader;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;

import static org.assertj.core.api.Assertions.assertThat;

/** Fuzzes the frame decoder: arbitrary bytes only ever give a frame error, never another exception. */
class FrameDecoderPropertiesTest {

    @Property(tries = 500, seed = "20261122")
    void shouldNeverFailOtherThanWithAFrameErrorOnArbitraryBytes(@ForAll @Size(max = 200) final byte[] bytes) {
        final EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(128));
        try {
            channel.writeInbound(Unpooled.wrappedBuffer(bytes));
            Object decoded;
            while ((decoded = channel.readInbound()) != null) {
                final Frame frame = (Frame) decoded;
                try {
                    Frame.parse(frame.header(), RequestHeader.parser());
                } catch (final MalformedFrameException expected) {
                    assertThat(expected.getMessage()).isNotBlank();
                } finally {
                    frame.release();
                }
            }
        } catch (final DecoderException e) {
            assertThat(e).isInstanceOfAny(TooLongFrameException.class, MalformedFrameException.class);
        } finally {
            channel.finishAndReleaseAll();
        }
    }
}
