"""Java services as their logs read: Spring Boot 3 console lines, stack traces and JVM GC lines.

Spring Boot's default pattern (3.2 and later):

    2026-11-27T14:05:00.123Z  INFO 1 --- [payments-service] [nio-8080-exec-7] c.s.p.api.ChargeController  : text

The level is right-aligned in five characters, the thread right-aligned in
fifteen and cut from the left, the logger abbreviated to 39 characters and
padded to 40 (shortened above). The container's awslogs driver joins lines that do not start
with a timestamp to the event before (`awslogs-multiline-pattern`), so a
stack trace stays in its event.

GC lines are the JVM's unified logging with `-Xlog:gc:stdout:time,level,tags`:

    [2026-11-27T14:05:00.123+0000][info][gc] GC(812) Pause Young (Normal) (G1 Evacuation Pause) 812M->790M(1536M) 12.3ms
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from logai.sandbox.incidents.clock import iso_offset, iso_z
from logai.sandbox.incidents.timeline import Timeline


def abbreviate_logger(name: str, width: int = 39) -> str:
    """Logback's `%logger{39}`: package segments shrink to their initial, leftmost first, until it fits."""
    parts = name.split(".")
    index = 0
    while len(".".join(parts)) > width and index < len(parts) - 1:
        parts[index] = parts[index][0]
        index += 1
    return ".".join(parts)


@dataclass(slots=True)
class SpringLog:
    """The stream of one container of a Spring Boot service."""

    timeline: Timeline
    group: str
    stream: str
    app: str

    def line(self, ts_ms: int, level: str, thread: str, logger: str, text: str, tag: str | None = None) -> None:
        message = (
            f"{iso_z(ts_ms)} {level:>5} 1 --- [{self.app}] [{thread[-15:]:>15}] "
            f"{abbreviate_logger(logger):<40} : {text}"
        )
        self.timeline.add(self.group, self.stream, ts_ms, message, tag)

    def gc(self, ts_ms: int, text: str, level: str = "info", tag: str | None = None) -> None:
        """A unified-logging GC line (`text` starts with `GC(<n>)`)."""
        self.timeline.add(self.group, self.stream, ts_ms, f"[{iso_offset(ts_ms)}][{level}][gc] {text}", tag)

    def plain(self, ts_ms: int, text: str, tag: str | None = None) -> None:
        """A line the JVM or a shell writes with no pattern (startup banners, fatal errors)."""
        self.timeline.add(self.group, self.stream, ts_ms, text, tag)

    def startup(self, ts_ms: int, main_class: str, version: str, *, pool: str = "HikariPool-1") -> int:
        """A Spring Boot start with a Hikari pool and Tomcat; returns when it is ready."""
        boot = "org.springframework.boot"
        main_logger = f"com.shop.{self.app.split('-')[0]}.{main_class}"
        steps = (
            (0, "main", main_logger,
             f"Starting {main_class} v{version} using Java 21.0.5 with PID 1 (/app/app.jar started by app in /app)"),
            (40, "main", main_logger, 'The following 1 profile is active: "prod"'),
            (2_410, "main", f"{boot}.web.embedded.tomcat.TomcatWebServer", "Tomcat initialized with port 8080 (http)"),
            (2_480, "main", "org.apache.catalina.core.StandardService", "Starting service [Tomcat]"),
            (3_900, "main", "com.zaxxer.hikari.HikariDataSource", f"{pool} - Starting..."),
            (4_310, "main", "com.zaxxer.hikari.pool.HikariPool",
             f"{pool} - Added connection org.postgresql.jdbc.PgConnection@5e9f73b"),
            (4_320, "main", "com.zaxxer.hikari.HikariDataSource", f"{pool} - Start completed."),
            (6_950, "main", f"{boot}.web.embedded.tomcat.TomcatWebServer",
             "Tomcat started on port 8080 (http) with context path '/'"),
            (7_020, "main", main_logger, f"Started {main_class} in 7.412 seconds (process running for 8.113)"),
        )
        for offset, thread, logger, text in steps:
            self.line(ts_ms + offset, "INFO", thread, logger, text)
        return ts_ms + steps[-1][0]


def stack_trace(exception: str, frames: Sequence[str], *causes: tuple[str, Sequence[str]]) -> str:
    """`exception` with its `\tat` frames, then each `Caused by:` with its own, as Logback prints them
    (a cause's frames shared with the trace above are left out and counted)."""
    lines = [exception, *(f"\tat {frame}" for frame in frames)]
    for cause, cause_frames in causes:
        lines.append(f"Caused by: {cause}")
        lines.extend(f"\tat {frame}" for frame in cause_frames)
        lines.append(f"\t... {len(frames) + 47} common frames omitted")
    return "\n".join(lines)


def young_pause(gc_id: int, before_mb: int, after_mb: int, heap_mb: int, pause_ms: float) -> str:
    return (
        f"GC({gc_id}) Pause Young (Normal) (G1 Evacuation Pause) {before_mb}M->{after_mb}M({heap_mb}M) {pause_ms:.3f}ms"
    )


def full_pause(gc_id: int, before_mb: int, after_mb: int, heap_mb: int, pause_ms: float) -> str:
    return f"GC({gc_id}) Pause Full (G1 Compaction Pause) {before_mb}M->{after_mb}M({heap_mb}M) {pause_ms:.3f}ms"


def hikari_configuration(
    log: SpringLog, ts_ms: int, settings: Sequence[tuple[str, str]], *, tag_setting: str = "", tag: str | None = None
) -> None:
    """HikariCP's settings as `HikariConfig` logs them at DEBUG when a pool starts: one line
    each, the name dotted out to 32 characters (`maximumPoolSize.................50`)."""
    log.line(ts_ms, "DEBUG", "main", "com.zaxxer.hikari.HikariConfig", "HikariPool-1 - configuration:")
    for name, value in settings:
        tagged = tag if name == tag_setting else None
        log.line(ts_ms, "DEBUG", "main", "com.zaxxer.hikari.HikariConfig", f"{name:.<32}{value}", tagged)
