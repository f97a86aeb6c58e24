package dev.streamactions.schemas.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WireFormatTest {

  @Test
  void headerIsMagicZeroThenBigEndianSchemaId() {
    byte[] framed = WireFormat.encode(0x01020304, new byte[] {42, 43});

    assertThat(framed).containsExactly(0, 1, 2, 3, 4, 42, 43);
    assertThat(WireFormat.decode(framed))
        .isEqualTo(new WireFormat.Framed(0x01020304, new byte[] {42, 43}));
  }

  @Test
  void largeIdsKeepAllFourBytes() {
    byte[] framed = WireFormat.encode(Integer.MAX_VALUE, new byte[0]);

    assertThat(framed).containsExactly(0, 0x7f, 0xff, 0xff, 0xff);
    assertThat(WireFormat.decode(framed).schemaId()).isEqualTo(Integer.MAX_VALUE);
  }

  @Test
  void refusesAnotherMagicByte() {
    assertThatThrownBy(() -> WireFormat.decode(new byte[] {1, 0, 0, 0, 1, 2}))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessage("Unknown magic byte 0x01: the Confluent wire format starts with 0x00");
  }

  @Test
  void refusesARecordShorterThanTheHeader() {
    assertThatThrownBy(() -> WireFormat.decode(new byte[] {0, 0, 1}))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessageStartingWith("Only 3 bytes");
  }
}
