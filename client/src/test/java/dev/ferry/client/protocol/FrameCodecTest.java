package dev.ferry.client.protocol;

import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.ApiVersionsResponse;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.RequestHeader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FrameCodecTest {
    private static final RequestHeader HEADER = RequestHeader.newBuilder().setApiKey(ApiKey.PRODUCE)
        .setApiVersion(1).setCorrelationId(42).setClientId("test").build();

    private static ByteBuf frameWithRecords(final byte[] records) {
        final ByteBuf prefix = FrameEncoder.encode(ByteBufAllocator.DEFAULT, HEADER,
            ApiVersionsResponse.getDefaultInstance(), records.length);
        return Unpooled.wrappedBuffer(prefix, Unpooled.wrappedBuffer(records));
    }

    @Test
    void shouldDecodeAFrameDeliveredInPiecesWithItsHeaderBodyAndRecords() {
        final EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(1 << 20));
        final byte[] records = "raw batch bytes".getBytes(StandardCharsets.UTF_8);
        final ByteBuf bytes = frameWithRecords(records);
        while (bytes.isReadable()) {
            channel.writeInbound(bytes.readRetainedSlice(Math.min(3, bytes.readableBytes())));
        }
        bytes.release();
        final Frame frame = channel.readInbound();
        assertThat(Frame.parse(frame.header(), RequestHeader.parser())).isEqualTo(HEADER);
        assertThat(frame.body().readableBytes()).isZero();
        final byte[] got = new byte[frame.records().readableBytes()];
        frame.records().getBytes(frame.records().readerIndex(), got);
        assertThat(got).isEqualTo(records);
        frame.release();
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void shouldFailFastOnAFrameLongerThanTheLimit() {
        final EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(1024));
        final ByteBuf huge = Unpooled.buffer().writeInt(1 << 30).writeInt(0);
        assertThatThrownBy(() -> channel.writeInbound(huge)).isInstanceOf(TooLongFrameException.class);
    }

    @Test
    void shouldRejectLengthsThatDoNotFitTheFrameNamingTheField() {
        final EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(1024));
        final ByteBuf badHeader = Unpooled.buffer().writeInt(12).writeInt(50).writeInt(0).writeInt(0);
        assertThatThrownBy(() -> channel.writeInbound(badHeader)).isInstanceOf(MalformedFrameException.class)
            .hasMessage("headerLength=50 does not fit frameLength=12");
        final EmbeddedChannel second = new EmbeddedChannel(new FrameDecoder(1024));
        final ByteBuf badBody = Unpooled.buffer().writeInt(8).writeInt(0).writeInt(-3);
        assertThatThrownBy(() -> second.writeInbound(badBody)).isInstanceOf(MalformedFrameException.class)
            .hasMessage("bodyLength=-3 does not fit frameLength=8 headerLength=0");
    }

    @Test
    void shouldRejectAnUnparsableHeader() {
        final ByteBuf garbage = Unpooled.wrappedBuffer(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
        assertThatThrownBy(() -> Frame.parse(garbage, RequestHeader.parser()))
            .isInstanceOf(MalformedFrameException.class).hasMessageStartingWith("unparsable protobuf");
    }

    @Test
    void shouldMarkOnlyTransientErrorsRetriable() {
        assertThat(Errors.isRetriable(ErrorCode.NOT_LEADER)).isTrue();
        assertThat(Errors.isRetriable(ErrorCode.MALFORMED_REQUEST)).isFalse();
        assertThat(Errors.isRetriable(ErrorCode.UNRECOGNIZED)).isFalse();
    }
}
