"""SIGKILL a worker in the middle of 20 classifications: all 20 end done, each stored exactly once.

The fault is the whole worker killed outright, parent and pool children together: what a
container runtime does on `docker kill`, on a memory cgroup that kills as a group, or when
its node dies. Nothing survives to acknowledge, reject or requeue. (A pool child killed
alone is the milder case: its parent sees WorkerLostError and, with reject_on_worker_lost,
requeues the task itself; tests/scenes/test_recording_pipeline.py covers it.)

One clip is a FIFO, so that one pool child is deterministically mid-task (blocked reading
its audio) when the kill comes, while the other child works through the rest. Recovery runs
on the production values, brokers alike: the next worker's stale-job sweep (every
SCENES_STALE_SWEEP_INTERVAL s) sends again the jobs processing for longer than the
classification time limit allows. Redis would also give them back, but only after its
visibility timeout (an hour); the filesystem broker never does.
"""
from __future__ import annotations

import time
from collections import Counter

import pytest
from django.core.files.storage import FileSystemStorage, default_storage
from rest_framework.test import APIClient

from scenes.models import Recording, SceneResult
from tests.scenes.helpers import (
    WorkerProcess,
    ambience,
    encode,
    feed_fifo_when_read,
    needs_model,
    replace_with_fifo,
    upload_file,
    wait_until,
    wait_until_gone,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
URL = "/api/v1/recordings/"
CLIPS = 20
BLOCKED = 4  # the clip made a FIFO: a few others are done by the time a child blocks on it
# From the kill to every job done: the dead worker's jobs turn stale (time limit + margin),
# the next sweep sends them, a worker classifies them. "Within a minute or two".
RECOVERY_DEADLINE_S = 150
Status = Recording.Status


def upload_clips(api_client: APIClient) -> list[Recording]:
    """Upload CLIPS distinct 4-second ambience clips through the API; all are queued."""
    recordings = []
    for seed in range(CLIPS):
        clip = upload_file(encode(ambience(4.0, seed=seed)), f"ambience-{seed}.wav", "audio/wav")
        response = api_client.post(URL, {"file": clip}, format="multipart")
        assert response.status_code == 201, response.content
        recordings.append(Recording.objects.get(pk=response.json()["id"]))
    return recordings


def statuses(recordings: list[Recording]) -> Counter[str]:
    return Counter(Recording.objects.filter(pk__in=[r.pk for r in recordings]).values_list("status", flat=True))


def blocked_and_busy(recordings: list[Recording], blocked: Recording) -> bool:
    """The FIFO clip is mid-task, a few others are done, and the other child holds a clip too.

    Waiting on the counts alone is not enough: with two clips done and two in progress, the
    children can still be on the clips queued before the FIFO one."""
    now = statuses(recordings)
    blocked_status = Recording.objects.values_list("status", flat=True).get(pk=blocked.pk)
    return blocked_status == Status.PROCESSING and now[Status.DONE] >= 2 and now[Status.PROCESSING] >= 2


def kill_whole_worker(worker: WorkerProcess) -> float:
    """SIGKILL parent and children; returns when all are gone (the monotonic time of the kill)."""
    children = worker.pool_pids()
    assert len(children) == 2
    worker.kill()
    killed_at = time.monotonic()
    for child in children:
        wait_until_gone(child)  # a child still alive could yet write its result
    return killed_at


@needs_model
def test_a_worker_killed_mid_batch_leaves_every_recording_done_with_exactly_one_result(
    transactional_db, start_celery_worker, api_client
) -> None:
    if not isinstance(default_storage, FileSystemStorage):
        pytest.skip("blocks a worker on a FIFO in place of a stored file: needs the filesystem storage")
    recordings = upload_clips(api_client)
    blocked = recordings[BLOCKED]
    fifo, audio = replace_with_fifo(blocked)

    first = start_celery_worker(concurrency=2)
    # Both children mid-task: one blocked on the FIFO, the other classifying a later clip.
    wait_until(lambda: blocked_and_busy(recordings, blocked), "the FIFO clip and another in progress")
    killed_at = kill_whole_worker(first)
    at_kill = statuses(recordings)
    # The FIFO one at least was mid-task; the other child may have just finished its clip.
    assert at_kill[Status.DONE] >= 2 and Recording.objects.get(pk=blocked.pk).status == Status.PROCESSING, at_kill

    feed_fifo_when_read(fifo, audio)  # the job sent again reads the real audio
    start_celery_worker(concurrency=2)
    wait_until(lambda: statuses(recordings)[Status.DONE] == CLIPS, f"all {CLIPS} done ({statuses(recordings)})")
    recovered_s = time.monotonic() - killed_at

    for recording in Recording.objects.filter(pk__in=[r.pk for r in recordings]).select_related("result"):
        assert SceneResult.objects.filter(recording=recording).count() == 1, recording.pk
        assert recording.result is not None and recording.result.job_id == recording.job_id and recording.error_message == ""
    assert SceneResult.objects.count() == CLIPS
    assert Recording.objects.get(pk=blocked.pk).attempts >= 2  # started by the dead worker, then again
    assert recovered_s < RECOVERY_DEADLINE_S, f"{recovered_s:.0f} s from the kill to all {CLIPS} done"
    print(f"at the kill: {dict(at_kill)}; all {CLIPS} done {recovered_s:.1f} s after it, {SceneResult.objects.count()} results")
