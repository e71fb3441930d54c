"""Redaction: every kind of secret goes, ordinary log content stays."""

from __future__ import annotations

import random

import pytest

from logai.logs.redact import KINDS, Redactor, redact
from tests.loghub import LOGHUB

JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ."
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
PRIVATE_KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\nq3x9+Zp0\n-----END RSA PRIVATE KEY-----"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("user login ok key=AKIAIOSFODNN7EXAMPLE", "user login ok key=[REDACTED:aws_access_key_id]"),
        ("assumed role with ASIAY34FZKBOKMUTVV7A", "assumed role with [REDACTED:aws_access_key_id]"),
        (
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "aws_secret_access_key = [REDACTED:aws_secret_key]",
        ),
        (
            '{"AccessKeyId": "ASIAY34FZKBOKMUTVV7A", "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}',
            '{"AccessKeyId": "[REDACTED:aws_access_key_id]", "SecretAccessKey": "[REDACTED:aws_secret_key]"}',
        ),
        ("GET /api Authorization: Bearer abc.def-ghi_jkl.mno", "GET /api Authorization: Bearer [REDACTED:authorization]"),
        ("headers={'authorization': 'Basic dXNlcjpodW50ZXIy'}", "headers={'authorization': 'Basic [REDACTED:authorization]'}"),
        ("retrying with bearer 0123456789abcdefABCDEF", "retrying with bearer [REDACTED:bearer_token]"),
        ("proxy sent Basic YWRtaW46czNjcjN0 upstream", "proxy sent Basic [REDACTED:basic_auth] upstream"),
        (f"session {JWT} expired", "session [REDACTED:jwt] expired"),
        ("login failed password=hunter2 user=bob", "login failed password=[REDACTED:password] user=bob"),
        ("DB_PASSWORD: 'p@ss w0rd' loaded", "DB_PASSWORD: '[REDACTED:password]' loaded"),
        ('payload {"user": "bob", "password": "s3cr3t!"}', 'payload {"user": "bob", "password": "[REDACTED:password]"}'),
        ('msg="{\\"passwd\\":\\"abc123\\"}"', 'msg="{\\"passwd\\":\\"[REDACTED:password]\\"}"'),
        ("client_secret=Zm9vYmFy&grant_type=x", "client_secret=[REDACTED:secret]&grant_type=x"),
        ("X-Amz-Security-Token: FQoGZXIvYXdzEJr//////////", "X-Amz-Security-Token: [REDACTED:token]"),
        ("refresh_token=1//0gdfgYH-abc next", "refresh_token=[REDACTED:token] next"),
        ("config api_key: sk_abc123XYZ", "config api_key: [REDACTED:api_key]"),
        ("x-api-key=d41d8cd98f00", "x-api-key=[REDACTED:api_key]"),
        (f"loaded {PRIVATE_KEY} ok", "loaded [REDACTED:private_key] ok"),
        ("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEF (truncated", "[REDACTED:private_key]"),
        ("mail to alice.smith+ops@example.co.uk bounced", "mail to [REDACTED:email] bounced"),
        ("charge 4111 1111 1111 1111 declined", "charge [REDACTED:credit_card] declined"),
        ("card=5500-0000-0000-0004 amex=378282246310005", "card=[REDACTED:credit_card] amex=[REDACTED:credit_card]"),
        ("token ghp_0123456789abcdefghijklmnopqrstuvwxyzAB used", "token [REDACTED:github_token] used"),
        ("pat github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuv", "pat [REDACTED:github_token]"),
        ("slack xoxb-123456789012-1234567890123-AbCdEfGhIjKl", "slack [REDACTED:slack_token]"),
        ("webhook https://hooks.slack.com/services/T000/B000/XXXXXXXX", "webhook [REDACTED:slack_token]"),
        ("openai sk-proj-abcdefghijklmnopqrstuvwxyz0123 429", "openai [REDACTED:api_key] 429"),
        ("anthropic sk-ant-api03-abcdefghijklmnopqrstuvwxyz", "anthropic [REDACTED:api_key]"),
        (
            "connecting to postgres://app:pa55w0rd@db.internal:5432/prod",
            "connecting to postgres://app:[REDACTED:password]@db.internal:5432/prod",
        ),
        ("redis://:s3cret@cache:6379/0", "redis://:[REDACTED:password]@cache:6379/0"),
        (
            "https://bucket.s3.amazonaws.com/k?X-Amz-Signature=9f86d081884c7d659a2feaa0c55ad015",
            "https://bucket.s3.amazonaws.com/k?X-Amz-Signature=[REDACTED:signature]",
        ),
    ],
)
def test_secret_is_replaced_by_a_typed_marker(line: str, expected: str) -> None:
    assert redact(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "request 3fa85f64-5717-4562-b3fc-2c963f66afa6 done in 12 ms",
        "RequestId: 8f2b1c6a-1d2e-4f00-9a4b-0c1d2e3f4a5b Duration: 101.5 ms",
        "commit d41d8cd98f00b204e9800998ecf8427e sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "2024-05-01T12:00:00.123Z 10.0.12.7 - 192.168.1.20:443 fe80::1ff:fe23:4567:890a",
        "epoch 1714564800123 blk_-6952295868487656571 order 4111111111111112",
        "max_tokens=1024 prompt_tokens=12 token_count=3 bypass=true",
        "Basic authentication enabled for realm admin",
        "wtoken = AppWindowToken{9f4ef63 token=Token{a64f992 ActivityRecord{de9231d u0}}}",
        "Token: Token { kind: ContainerToken, service: 172.22.149.145:28345 }",
        "Bad activity token: android.os.BinderProxy@2bd79ce",
        "password=null secret=*** token=[REDACTED] api_key=<redacted>",
        "Failed password for invalid user admin from 218.188.2.4 port 22 ssh2",
        "akka.tcp://sparkDriver@10.10.34.11:48069 connected; Object@6d06d69c",
        "secret_name=prod/db tokenizer=bpe passing=yes",
    ],
)
def test_ordinary_log_content_survives(line: str) -> None:
    assert redact(line) == line


def test_redactor_counts_what_it_replaced_by_kind() -> None:
    redactor = Redactor()
    redactor.redact("a@example.com b@example.org password=x")
    redactor.redact("key AKIAIOSFODNN7EXAMPLE and c@example.net")
    assert dict(redactor.counts) == {"email": 3, "password": 1, "aws_access_key_id": 1}
    assert set(redactor.counts) <= set(KINDS)


def test_a_failing_luhn_check_keeps_the_number() -> None:
    assert redact("order 4111 1111 1111 1112 shipped") == "order 4111 1111 1111 1112 shipped"


def _loghub_lines(system: str) -> list[str]:
    return (LOGHUB / system / f"{system}_2k.log").read_text(encoding="utf-8", errors="replace").splitlines()


SYSTEMS = ("Android", "BGL", "HDFS", "HPC", "Hadoop", "Linux", "OpenStack", "Spark", "Thunderbird", "Windows")


def test_loghub_lines_change_only_where_they_hold_personal_data() -> None:
    changed: dict[str, list[str]] = {}
    for system in SYSTEMS:
        lines = _loghub_lines(system)
        assert len(lines) == 2000
        changed[system] = [redact(line) for line in lines if redact(line) != line]
    # 20,000 real lines; the single change is the kernel build address in Linux's
    # boot banner (`bhcompile@porky.devel.redhat.com`), a real e-mail address.
    assert {system: len(lines) for system, lines in changed.items() if lines} == {"Linux": 1}
    assert "([REDACTED:email])" in changed["Linux"][0]


@pytest.mark.parametrize("system", SYSTEMS)
def test_secrets_planted_in_real_lines_are_found_and_nothing_else_moves(system: str) -> None:
    secrets = [
        ("password=Tr0ub4dor&3", "password=[REDACTED:password]&3"),
        ("AKIAI44QH8DHBEXAMPLE", "[REDACTED:aws_access_key_id]"),
        ("ops@example.com", "[REDACTED:email]"),
        (JWT, "[REDACTED:jwt]"),
        ("Authorization: Bearer 0123456789abcdef0123", "Authorization: Bearer [REDACTED:authorization]"),
    ]
    chooser = random.Random(system)  # deterministic per system
    lines = [line for line in _loghub_lines(system) if redact(line) == line]
    for line in chooser.sample(lines, 50):
        secret, marker = chooser.choice(secrets)
        cut = line.rfind(" ", 0, len(line) // 2) + 1
        planted = f"{line[:cut]}{secret} {line[cut:]}"
        assert redact(planted) == f"{line[:cut]}{marker} {line[cut:]}"
