package tests;

import lib.DbName;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class DbNameTest {
    private static final Instant AT = Instant.parse("2026-12-03T14:31:00Z");

    @Test
    void shortNamesAreKeptWhole() {
        assertThat(DbName.of("inventory", "_verify_", AT)).isEqualTo("inventory_verify_20261203t143100z");
        assertThat(DbName.isOf("inventory_verify_20261203t143100z", "inventory", "_verify_")).isTrue();
    }

    @Test
    void longNamesFitIn63BytesAndStayDistinct() {
        String a = "a".repeat(63);
        String b = "a".repeat(62) + "b";
        for (String infix : new String[] {"_verify_", "_restoring_", "_before_restore_", "_drill_"}) {
            String na = DbName.of(a, infix, AT);
            String nb = DbName.of(b, infix, AT);
            assertThat(DbName.bytes(na)).isLessThanOrEqualTo(63);
            assertThat(na).isNotEqualTo(nb).doesNotStartWith(a).endsWith(infix + "20261203t143100z");
            assertThat(DbName.isOf(na, a, infix)).isTrue();
            assertThat(DbName.isOf(na, b, infix)).isFalse();
            assertThat(na.substring(0, 63 - 1)).isNotEqualTo(a.substring(0, 62));
        }
    }

    @Test
    void multiByteNamesAreCutAtCharacterBoundaries() {
        String db = "ü".repeat(40);
        String n = DbName.of(db, "_before_restore_", AT);
        assertThat(DbName.bytes(n)).isLessThanOrEqualTo(63);
        assertThat(n).doesNotContain("\uFFFD");
        assertThat(n).startsWith("ü");
    }

    @Test
    void aShorterLimitLeavesRoomForANameGeneratedFromTheFirst() {
        int room = DbName.room("_restoring_");
        assertThat(room).isEqualTo(63 - 16 - 11);
        for (String db : new String[] {"inventory", "a".repeat(40), "ü".repeat(30)}) {
            String outer = DbName.of(db, "_drill_", AT, room);
            assertThat(DbName.bytes(outer)).isLessThanOrEqualTo(room);
            assertThat(DbName.isOf(outer, db, "_drill_", room)).isTrue();
            assertThat(DbName.of(outer, "_restoring_", AT)).as("kept whole").isEqualTo(outer + "_restoring_20261203t143100z");
        }
        assertThat(DbName.of("inventory", "_drill_", AT, room)).isEqualTo("inventory_drill_20261203t143100z");
    }

    @Test
    void foreignNamesAreNotTakenForOurs() {
        assertThat(DbName.isOf("inventory_verify_20261203t143100z_mine", "inventory", "_verify_")).isFalse();
        assertThat(DbName.isOf("inventory_verify_", "inventory", "_verify_")).isFalse();
        assertThat(DbName.isOf("inventory", "inventory", "_verify_")).isFalse();
    }
}
