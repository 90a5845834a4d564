"""The AWS API limits the stack's settings rely on, read from botocore's own API models (the AWS
API reference, offline): if AWS's limits differ from the constants, these fail."""

from __future__ import annotations

import glob
import gzip
import json
import os
import re
from functools import lru_cache

import botocore

from councilkit.stacks.aws import database, kms, service, waf
from councilkit.stacks.aws.settings import RATE_LIMIT_PER_5_MIN

DATA = os.path.join(os.path.dirname(botocore.__file__), "data")


@lru_cache(maxsize=None)
def shapes(service_name: str) -> dict:
    path = sorted(glob.glob(os.path.join(DATA, service_name, "*", "service-2.json*")))[-1]
    with (gzip.open(path) if path.endswith(".gz") else open(path, "rb")) as f:
        return json.load(f)["shapes"]


def text(doc: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", doc))


def test_container_health_check_limits_are_the_ecs_apis():
    members = shapes("ecs")["HealthCheck"]["members"]
    assert f"between {service.INTERVAL_RANGE[0]} and {service.INTERVAL_RANGE[1]} seconds" in text(
        members["interval"]["documentation"])
    assert f"between {service.RETRIES_RANGE[0]} and {service.RETRIES_RANGE[1]} retries" in text(
        members["retries"]["documentation"])
    assert f"between 0 and {service.START_PERIOD_MAX} seconds" in text(members["startPeriod"]["documentation"])


def test_scheduler_retry_policy_fits_the_apis_ranges():
    sh = shapes("scheduler")
    attempts, age = sh["MaximumRetryAttempts"], sh["MaximumEventAgeInSeconds"]
    assert attempts["min"] <= service.SCHEDULE_RETRIES <= attempts["max"]
    assert age["min"] <= service.SCHEDULE_MAX_AGE_SECONDS <= age["max"]


def test_the_dead_letter_queue_keeps_messages_as_long_as_sqs_allows():
    doc = text(shapes("sqs")["CreateQueueRequest"]["members"]["Attributes"]["documentation"])
    assert "MessageRetentionPeriod – The length of time, in seconds, for which Amazon SQS retains a message. " \
           "Valid values: An integer from 60 seconds (1 minute) to 1,209,600 seconds (14 days)" in doc
    assert service.DEAD_LETTER_RETENTION_SECONDS == 1_209_600


def test_key_deletion_windows_are_within_kms_7_to_30_days():
    doc = text(shapes("kms")["ScheduleKeyDeletionRequest"]["members"]["PendingWindowInDays"]["documentation"])
    assert "it must be between 7 and 30, inclusive" in doc
    assert all(7 <= days <= 30 for days in kms.DELETION_WINDOW_DAYS.values())


def test_enhanced_monitoring_interval_is_one_rds_accepts():
    doc = text(shapes("rds")["CreateDBInstanceMessage"]["members"]["MonitoringInterval"]["documentation"])
    valid = re.search(r"Valid Values: ([0-9 |]+)", doc).group(1)
    assert str(database.MONITORING_INTERVAL_SECONDS) in [v.strip() for v in valid.split("|")]


def test_waf_rate_limit_and_ceiling_regex_fit_the_wafv2_api():
    sh = shapes("wafv2")
    assert all(sh["RateLimit"]["min"] <= limit <= sh["RateLimit"]["max"] for limit in RATE_LIMIT_PER_5_MIN.values())
    _, pattern = waf.at_least_pattern(51200 * waf.MIB + 1)  # the largest upload limit a blueprint may set
    assert len(pattern) <= min(200, sh["RegexPatternString"]["max"])  # 200: the WAF quota, below the API's 512
