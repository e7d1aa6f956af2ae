"""The run state machine, argument resolution and job validation (pure domain rules)."""
import dataclasses

import pytest

from jobrunner.errors import InvalidArgument
from jobrunner.model import (
    ACTIVE_STATES, TERMINAL_STATES, TRANSITIONS, BookmarkMode, Job, RunState, arguments_to_argv,
    bookmark_mode_from_option, can_transition, effective_bookmark_mode, resolve_arguments, sources_of,
)
from jobrunner.runtime import get_resolved_options, parse_job_arguments


def test_every_state_has_transitions_and_final_states_have_none():
    assert set(TRANSITIONS) == set(RunState)
    for s in TERMINAL_STATES:
        assert TRANSITIONS[s] == frozenset()
        assert s.terminal and not s.active
    assert {s for s in RunState if s.active} == {RunState.STARTING, RunState.RUNNING, RunState.STOPPING}
    assert ACTIVE_STATES.isdisjoint(TERMINAL_STATES)


@pytest.mark.parametrize("src,dst,ok", [
    ("WAITING", "STARTING", True), ("WAITING", "STOPPED", True), ("WAITING", "RUNNING", False),
    ("STARTING", "RUNNING", True), ("STARTING", "ERROR", True), ("STARTING", "SUCCEEDED", False),
    ("RUNNING", "SUCCEEDED", True), ("RUNNING", "FAILED", True), ("RUNNING", "TIMEOUT", True),
    ("RUNNING", "STOPPING", True), ("RUNNING", "WAITING", False), ("STOPPING", "STOPPED", True),
    ("STOPPING", "SUCCEEDED", False), ("SUCCEEDED", "RUNNING", False), ("FAILED", "STARTING", False),
])
def test_transitions(src, dst, ok):
    assert can_transition(RunState(src), RunState(dst)) is ok


def test_sources_of_lists_every_predecessor():
    assert set(sources_of(RunState.STOPPED)) == {RunState.WAITING, RunState.STOPPING}
    assert set(sources_of(RunState.RUNNING)) == {RunState.STARTING}


def test_non_overridable_arguments_win_and_dashes_are_dropped():
    job = Job(name="j", script_location="/x.py", default_arguments={"--day": "1", "env": "dev"},
              non_overridable_arguments={"env": "prod"})
    resolved = resolve_arguments(job, {"day": "2", "--env": "test", "extra": "x"})
    assert resolved == {"day": "2", "env": "prod", "extra": "x"}


def test_argv_is_glue_style_and_reserved_names_cannot_be_overridden():
    argv = arguments_to_argv("job1", "jr_1", {"day": "2", "JOB_NAME": "evil", "empty": ""})
    assert argv == ["--JOB_NAME", "job1", "--JOB_RUN_ID", "jr_1", "--day", "2", "--empty", ""]
    parsed = parse_job_arguments(argv)
    assert parsed == {"JOB_NAME": "job1", "JOB_RUN_ID": "jr_1", "day": "2", "empty": ""}
    assert get_resolved_options(["script.py"] + argv, ["JOB_NAME", "day"]) == {"JOB_NAME": "job1", "day": "2"}
    with pytest.raises(SystemExit):
        get_resolved_options(["script.py"] + argv, ["missing"])


def test_argument_values_may_look_like_options():
    assert parse_job_arguments(["--a", "--not-a-key", "--b=c=d"]) == {"a": "--not-a-key", "b": "c=d"}


@pytest.mark.parametrize("job,message", [
    (Job(name="bad name", script_location="/x.py"), "Invalid job name"),
    (Job(name="j", script_location=" "), "script_location"),
    (Job(name="j", script_location="/x.py", max_retries=11), "max_retries"),
    (Job(name="j", script_location="/x.py", timeout_seconds=0), "timeout_seconds"),
    (Job(name="j", script_location="/x.py", max_concurrent_runs=0), "max_concurrent_runs"),
    (Job(name="j", script_location="/x.py", spark_master=""), "spark_master"),
    (Job(name="j", script_location="/x.py", default_arguments={"job-bookmark-option": "maybe"}), "bookmark"),
    (Job(name="j", script_location="/x.py", default_arguments={"  ": "x"}), "argument name"),
])
def test_invalid_jobs_are_refused(job, message):
    with pytest.raises(InvalidArgument, match=message):
        job.validated()


def test_update_replaces_only_named_fields():
    job = Job(name="j", script_location="/a.py", max_retries=2, timeout_seconds=60)
    other = Job(name="j", script_location="/b.py", max_retries=0, timeout_seconds=5)
    assert job.updated(other, ["script_location"]) == dataclasses.replace(job, script_location="/b.py")
    with pytest.raises(InvalidArgument, match="name"):
        job.updated(other, ["name"])


def test_bookmark_option_argument_overrides_job_mode():
    job = Job(name="j", script_location="/a.py", bookmark_mode=BookmarkMode.ENABLE)
    assert effective_bookmark_mode(job, {}) is BookmarkMode.ENABLE
    assert effective_bookmark_mode(job, {"job-bookmark-option": "job-bookmark-pause"}) is BookmarkMode.PAUSE
    assert bookmark_mode_from_option("disable") is BookmarkMode.DISABLE
