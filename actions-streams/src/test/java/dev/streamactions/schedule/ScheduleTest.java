package dev.streamactions.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When a schedule is due, in UTC: the edge cases of the calendar, and the schedules that are refused. */
class ScheduleTest {

    private static List<Instant> next(String schedule, String after, int count) {
        Schedule parsed = Schedule.parse(schedule);
        List<Instant> times = new ArrayList<>();
        Instant at = Instant.parse(after);
        for (int i = 0; i < count; i++) {
            at = parsed.nextAfter(at).orElseThrow();
            times.add(at);
        }
        return times;
    }

    private static List<Instant> times(String... texts) {
        return java.util.Arrays.stream(texts).map(Instant::parse).toList();
    }

    @Test
    void theThirtyFirstSkipsTheMonthsThatHaveNone() {
        assertThat(next("0 0 31 * *", "2026-01-31T00:00:00Z", 4)).isEqualTo(times(
                "2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z", "2026-08-31T00:00:00Z"));
    }

    @Test
    void februaryTheTwentyNinthComesInLeapYearsOnly() {
        assertThat(next("0 12 29 2 *", "2026-03-01T00:00:00Z", 3)).isEqualTo(times(
                "2028-02-29T12:00:00Z", "2032-02-29T12:00:00Z", "2036-02-29T12:00:00Z"));
        // 2100 is not a leap year.
        assertThat(next("0 12 29 2 *", "2096-03-01T00:00:00Z", 1)).isEqualTo(times("2104-02-29T12:00:00Z"));
    }

    @Test
    void theLastMinuteOfTheYearRollsOverToTheNextYear() {
        assertThat(next("59 23 31 12 *", "2026-12-31T23:59:00Z", 2)).isEqualTo(times(
                "2027-12-31T23:59:00Z", "2028-12-31T23:59:00Z"));
        assertThat(next("* * * * *", "2026-12-31T23:59:30Z", 2)).isEqualTo(times(
                "2027-01-01T00:00:00Z", "2027-01-01T00:01:00Z"));
    }

    @Test
    void theNextTimeIsStrictlyAfterTheGivenOne() {
        assertThat(next("0 * * * *", "2026-12-04T10:00:00Z", 1)).isEqualTo(times("2026-12-04T11:00:00Z"));
        assertThat(next("0 * * * *", "2026-12-04T09:59:59.999Z", 1)).isEqualTo(times("2026-12-04T10:00:00Z"));
    }

    @Test
    void utcHasNoDaylightSavingTime() {
        // 2026-03-08 and 2026-11-01 are the US changes, 2026-03-29 and 2026-10-25 the European ones: in UTC
        // a daily schedule stays 24 hours apart across all of them.
        for (String day : List.of("2026-03-07", "2026-03-28", "2026-10-24", "2026-10-31")) {
            List<Instant> daily = next("30 2 * * *", day + "T00:00:00Z", 3);
            assertThat(daily.get(0)).isEqualTo(Instant.parse(day + "T02:30:00Z"));
            assertThat(Duration.between(daily.get(0), daily.get(1))).isEqualTo(Duration.ofHours(24));
            assertThat(Duration.between(daily.get(1), daily.get(2))).isEqualTo(Duration.ofHours(24));
        }
    }

    @Test
    void stepsRangesAndListsAreUnixCron() {
        assertThat(next("*/15 9-10 * * 1-5", "2026-12-04T10:40:00Z", 3)).isEqualTo(times(
                // Friday 10:45, then Monday 09:00 and 09:15.
                "2026-12-04T10:45:00Z", "2026-12-07T09:00:00Z", "2026-12-07T09:15:00Z"));
        assertThat(next("0 8,20 * * *", "2026-12-04T09:00:00Z", 2)).isEqualTo(times(
                "2026-12-04T20:00:00Z", "2026-12-05T08:00:00Z"));
    }

    @Test
    void aOnceScheduleHasOneTimeAndNoneAfterIt() {
        Schedule once = Schedule.parse("once:2026-12-31T23:00:00+01:00");
        assertThat(once.nextAfter(Instant.parse("2026-12-01T00:00:00Z"))).contains(Instant.parse("2026-12-31T22:00:00Z"));
        assertThat(once.nextAfter(Instant.parse("2026-12-31T22:00:00Z"))).isEmpty();
    }

    @Test
    void badSchedulesAreRefusedWithWhatIsAccepted() {
        assertThatThrownBy(() -> Schedule.parse("61 * * * *")).hasMessageContaining("not a valid cron expression");
        assertThatThrownBy(() -> Schedule.parse("0 0 30 2 *")).hasMessageContaining("not a valid cron expression");
        assertThatThrownBy(() -> Schedule.parse("0 0 * * * *")).hasMessageContaining("a cron schedule has 5");
        assertThatThrownBy(() -> Schedule.parse("once:tomorrow")).hasMessageContaining("not an RFC 3339 time");
        assertThatThrownBy(() -> Schedule.parse("once:2026-12-31T23:00:00")).hasMessageContaining("with an offset");
        assertThatThrownBy(() -> Schedule.parse(" ")).hasMessageContaining("needs a schedule");
    }
}
