"""Amazon ECS on Fargate as it shows in CloudWatch Logs.

- Container output goes through the awslogs driver to a stream named
  `<prefix>/<container>/<task id>`; a new task is a new stream.
- Task state changes reach a log group through an EventBridge rule; each
  event is JSON (the event EventBridge delivers) in a stream named by its id.
- Container Insights writes one performance record per task a minute, as
  embedded-metric-format JSON, to `/aws/ecs/containerinsights/<cluster>/performance`.
"""

from __future__ import annotations

import json
import random

from logai.sandbox.incidents.clock import event_time
from logai.sandbox.incidents.ids import hex_id, private_ip, uuid4

ACCOUNT = "123456789012"
REGION = "eu-west-1"


def task_id(rng: random.Random) -> str:
    return hex_id(rng, 32)


def fargate_hostname(rng: random.Random) -> str:
    """A Fargate task's hostname, as `os.hostname()` returns it inside the container."""
    return f"ip-{private_ip(rng).replace('.', '-')}.{REGION}.compute.internal"


def container_stream(prefix: str, container: str, task: str) -> str:
    """The awslogs driver's stream for one container of one task."""
    return f"{prefix}/{container}/{task}"


def _arn(kind: str, name: str) -> str:
    return f"arn:aws:ecs:{REGION}:{ACCOUNT}:{kind}/{name}"


def task_state_change(
    rng: random.Random,
    ts_ms: int,
    *,
    cluster: str,
    service: str,
    revision: int,
    task: str,
    last_status: str,
    exit_code: int | None = None,
    container_reason: str | None = None,
    stopped_reason: str | None = None,
) -> tuple[str, str]:
    """An `ECS Task State Change` event; returns (its id, its JSON text)."""
    event_id = uuid4(rng)
    task_arn = _arn("task", f"{cluster}/{task}")
    container: dict[str, object] = {
        "containerArn": _arn("container", f"{cluster}/{task}/{uuid4(rng)}"),
        "lastStatus": last_status,
        "name": service,
        "taskArn": task_arn,
    }
    detail: dict[str, object] = {
        "clusterArn": _arn("cluster", cluster),
        "containers": [container],
        "cpu": "1024",
        "desiredStatus": "STOPPED" if last_status == "STOPPED" else "RUNNING",
        "group": f"service:{service}",
        "lastStatus": last_status,
        "launchType": "FARGATE",
        "memory": "2048",
        "taskArn": task_arn,
        "taskDefinitionArn": _arn("task-definition", f"{service}:{revision}"),
        "updatedAt": event_time(ts_ms),
        "version": {"PROVISIONING": 1, "PENDING": 2, "RUNNING": 3, "STOPPED": 5}.get(last_status, 4),
    }
    if exit_code is not None:
        container["exitCode"] = exit_code
    if container_reason is not None:
        container["reason"] = container_reason
    if stopped_reason is not None:
        detail["stopCode"] = "EssentialContainerExited"
        detail["stoppedReason"] = stopped_reason
    event = {
        "version": "0",
        "id": event_id,
        "detail-type": "ECS Task State Change",
        "source": "aws.ecs",
        "account": ACCOUNT,
        "time": event_time(ts_ms),
        "region": REGION,
        "resources": [task_arn],
        "detail": detail,
    }
    return event_id, json.dumps(event, separators=(",", ":"))


def performance_record(
    ts_ms: int,
    *,
    cluster: str,
    service: str,
    revision: int,
    task: str,
    cpu_utilized: float,
    memory_utilized_mb: int,
    memory_reserved_mb: int,
) -> str:
    """A Container Insights `Task` record: what the task used in the last minute."""
    record = {
        "Version": "0",
        "Type": "Task",
        "TaskId": task,
        "TaskDefinitionFamily": service,
        "TaskDefinitionRevision": str(revision),
        "ServiceName": service,
        "ClusterName": cluster,
        "AccountID": ACCOUNT,
        "Region": REGION,
        "KnownStatus": "RUNNING",
        "LaunchType": "FARGATE",
        "Timestamp": ts_ms - ts_ms % 60_000,
        "CpuUtilized": round(cpu_utilized, 4),
        "CpuReserved": 1024.0,
        "MemoryUtilized": memory_utilized_mb,
        "MemoryReserved": memory_reserved_mb,
        "CloudWatchMetrics": [
            {
                "Namespace": "ECS/ContainerInsights",
                "Metrics": [{"Name": "CpuUtilized", "Unit": "None"}, {"Name": "MemoryUtilized", "Unit": "Megabytes"}],
                "Dimensions": [["ClusterName"], ["ClusterName", "ServiceName"]],
            }
        ],
    }
    return json.dumps(record, separators=(",", ":"))
