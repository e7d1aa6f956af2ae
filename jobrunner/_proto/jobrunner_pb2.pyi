import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Job(_message.Message):
    __slots__ = ("name", "description", "job_type", "script_location", "default_arguments", "non_overridable_arguments", "extra_py_files", "spark_conf", "spark_master", "max_retries", "timeout_seconds", "max_concurrent_runs", "concurrency_policy", "bookmark_mode", "created_on", "last_modified_on")
    class JobType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        JOB_TYPE_UNSPECIFIED: _ClassVar[Job.JobType]
        SPARK: _ClassVar[Job.JobType]
        PYTHON_SHELL: _ClassVar[Job.JobType]
    JOB_TYPE_UNSPECIFIED: Job.JobType
    SPARK: Job.JobType
    PYTHON_SHELL: Job.JobType
    class ConcurrencyPolicy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        CONCURRENCY_POLICY_UNSPECIFIED: _ClassVar[Job.ConcurrencyPolicy]
        WAIT: _ClassVar[Job.ConcurrencyPolicy]
        REJECT: _ClassVar[Job.ConcurrencyPolicy]
    CONCURRENCY_POLICY_UNSPECIFIED: Job.ConcurrencyPolicy
    WAIT: Job.ConcurrencyPolicy
    REJECT: Job.ConcurrencyPolicy
    class BookmarkMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        BOOKMARK_MODE_UNSPECIFIED: _ClassVar[Job.BookmarkMode]
        DISABLE: _ClassVar[Job.BookmarkMode]
        ENABLE: _ClassVar[Job.BookmarkMode]
        PAUSE: _ClassVar[Job.BookmarkMode]
    BOOKMARK_MODE_UNSPECIFIED: Job.BookmarkMode
    DISABLE: Job.BookmarkMode
    ENABLE: Job.BookmarkMode
    PAUSE: Job.BookmarkMode
    class DefaultArgumentsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class NonOverridableArgumentsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class SparkConfEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    JOB_TYPE_FIELD_NUMBER: _ClassVar[int]
    SCRIPT_LOCATION_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_ARGUMENTS_FIELD_NUMBER: _ClassVar[int]
    NON_OVERRIDABLE_ARGUMENTS_FIELD_NUMBER: _ClassVar[int]
    EXTRA_PY_FILES_FIELD_NUMBER: _ClassVar[int]
    SPARK_CONF_FIELD_NUMBER: _ClassVar[int]
    SPARK_MASTER_FIELD_NUMBER: _ClassVar[int]
    MAX_RETRIES_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MAX_CONCURRENT_RUNS_FIELD_NUMBER: _ClassVar[int]
    CONCURRENCY_POLICY_FIELD_NUMBER: _ClassVar[int]
    BOOKMARK_MODE_FIELD_NUMBER: _ClassVar[int]
    CREATED_ON_FIELD_NUMBER: _ClassVar[int]
    LAST_MODIFIED_ON_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    job_type: Job.JobType
    script_location: str
    default_arguments: _containers.ScalarMap[str, str]
    non_overridable_arguments: _containers.ScalarMap[str, str]
    extra_py_files: _containers.RepeatedScalarFieldContainer[str]
    spark_conf: _containers.ScalarMap[str, str]
    spark_master: str
    max_retries: int
    timeout_seconds: int
    max_concurrent_runs: int
    concurrency_policy: Job.ConcurrencyPolicy
    bookmark_mode: Job.BookmarkMode
    created_on: _timestamp_pb2.Timestamp
    last_modified_on: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., job_type: _Optional[_Union[Job.JobType, str]] = ..., script_location: _Optional[str] = ..., default_arguments: _Optional[_Mapping[str, str]] = ..., non_overridable_arguments: _Optional[_Mapping[str, str]] = ..., extra_py_files: _Optional[_Iterable[str]] = ..., spark_conf: _Optional[_Mapping[str, str]] = ..., spark_master: _Optional[str] = ..., max_retries: _Optional[int] = ..., timeout_seconds: _Optional[int] = ..., max_concurrent_runs: _Optional[int] = ..., concurrency_policy: _Optional[_Union[Job.ConcurrencyPolicy, str]] = ..., bookmark_mode: _Optional[_Union[Job.BookmarkMode, str]] = ..., created_on: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_modified_on: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateJobRequest(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: Job
    def __init__(self, job: _Optional[_Union[Job, _Mapping]] = ...) -> None: ...

class UpdateJobRequest(_message.Message):
    __slots__ = ("job", "update_mask")
    JOB_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    job: Job
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, job: _Optional[_Union[Job, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class GetJobRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListJobsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListJobsResponse(_message.Message):
    __slots__ = ("jobs", "next_page_token")
    JOBS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[Job]
    next_page_token: str
    def __init__(self, jobs: _Optional[_Iterable[_Union[Job, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DeleteJobRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteJobResponse(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class JobRun(_message.Message):
    __slots__ = ("id", "job_name", "attempt", "previous_run_id", "next_run_id", "trigger_name", "state", "queued_on", "started_on", "completed_on", "last_modified_on", "execution_time", "error_message", "spark_application_id", "arguments", "resolved_arguments", "timeout_seconds", "max_retries", "exit_code", "workflow_name", "workflow_run_id", "runner_id", "log_pruned_on")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[JobRun.State]
        STARTING: _ClassVar[JobRun.State]
        RUNNING: _ClassVar[JobRun.State]
        STOPPING: _ClassVar[JobRun.State]
        STOPPED: _ClassVar[JobRun.State]
        SUCCEEDED: _ClassVar[JobRun.State]
        FAILED: _ClassVar[JobRun.State]
        TIMEOUT: _ClassVar[JobRun.State]
        ERROR: _ClassVar[JobRun.State]
        WAITING: _ClassVar[JobRun.State]
    STATE_UNSPECIFIED: JobRun.State
    STARTING: JobRun.State
    RUNNING: JobRun.State
    STOPPING: JobRun.State
    STOPPED: JobRun.State
    SUCCEEDED: JobRun.State
    FAILED: JobRun.State
    TIMEOUT: JobRun.State
    ERROR: JobRun.State
    WAITING: JobRun.State
    class ArgumentsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class ResolvedArgumentsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    JOB_NAME_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    NEXT_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_NAME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    QUEUED_ON_FIELD_NUMBER: _ClassVar[int]
    STARTED_ON_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_ON_FIELD_NUMBER: _ClassVar[int]
    LAST_MODIFIED_ON_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_TIME_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    SPARK_APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    ARGUMENTS_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_ARGUMENTS_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MAX_RETRIES_FIELD_NUMBER: _ClassVar[int]
    EXIT_CODE_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_NAME_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    RUNNER_ID_FIELD_NUMBER: _ClassVar[int]
    LOG_PRUNED_ON_FIELD_NUMBER: _ClassVar[int]
    id: str
    job_name: str
    attempt: int
    previous_run_id: str
    next_run_id: str
    trigger_name: str
    state: JobRun.State
    queued_on: _timestamp_pb2.Timestamp
    started_on: _timestamp_pb2.Timestamp
    completed_on: _timestamp_pb2.Timestamp
    last_modified_on: _timestamp_pb2.Timestamp
    execution_time: _duration_pb2.Duration
    error_message: str
    spark_application_id: str
    arguments: _containers.ScalarMap[str, str]
    resolved_arguments: _containers.ScalarMap[str, str]
    timeout_seconds: int
    max_retries: int
    exit_code: int
    workflow_name: str
    workflow_run_id: str
    runner_id: str
    log_pruned_on: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., job_name: _Optional[str] = ..., attempt: _Optional[int] = ..., previous_run_id: _Optional[str] = ..., next_run_id: _Optional[str] = ..., trigger_name: _Optional[str] = ..., state: _Optional[_Union[JobRun.State, str]] = ..., queued_on: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., started_on: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., completed_on: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_modified_on: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., execution_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., error_message: _Optional[str] = ..., spark_application_id: _Optional[str] = ..., arguments: _Optional[_Mapping[str, str]] = ..., resolved_arguments: _Optional[_Mapping[str, str]] = ..., timeout_seconds: _Optional[int] = ..., max_retries: _Optional[int] = ..., exit_code: _Optional[int] = ..., workflow_name: _Optional[str] = ..., workflow_run_id: _Optional[str] = ..., runner_id: _Optional[str] = ..., log_pruned_on: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class StartJobRunRequest(_message.Message):
    __slots__ = ("job_name", "arguments", "client_token", "timeout_seconds")
    class ArgumentsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    JOB_NAME_FIELD_NUMBER: _ClassVar[int]
    ARGUMENTS_FIELD_NUMBER: _ClassVar[int]
    CLIENT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    job_name: str
    arguments: _containers.ScalarMap[str, str]
    client_token: str
    timeout_seconds: int
    def __init__(self, job_name: _Optional[str] = ..., arguments: _Optional[_Mapping[str, str]] = ..., client_token: _Optional[str] = ..., timeout_seconds: _Optional[int] = ...) -> None: ...

class GetJobRunRequest(_message.Message):
    __slots__ = ("run_id",)
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    def __init__(self, run_id: _Optional[str] = ...) -> None: ...

class ListJobRunsRequest(_message.Message):
    __slots__ = ("job_name", "states", "trigger_name", "started_after", "started_before", "workflow_run_id", "page_size", "page_token")
    JOB_NAME_FIELD_NUMBER: _ClassVar[int]
    STATES_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_NAME_FIELD_NUMBER: _ClassVar[int]
    STARTED_AFTER_FIELD_NUMBER: _ClassVar[int]
    STARTED_BEFORE_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    job_name: str
    states: _containers.RepeatedScalarFieldContainer[JobRun.State]
    trigger_name: str
    started_after: _timestamp_pb2.Timestamp
    started_before: _timestamp_pb2.Timestamp
    workflow_run_id: str
    page_size: int
    page_token: str
    def __init__(self, job_name: _Optional[str] = ..., states: _Optional[_Iterable[_Union[JobRun.State, str]]] = ..., trigger_name: _Optional[str] = ..., started_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., started_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., workflow_run_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListJobRunsResponse(_message.Message):
    __slots__ = ("job_runs", "next_page_token")
    JOB_RUNS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    job_runs: _containers.RepeatedCompositeFieldContainer[JobRun]
    next_page_token: str
    def __init__(self, job_runs: _Optional[_Iterable[_Union[JobRun, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class BatchStopJobRunsRequest(_message.Message):
    __slots__ = ("job_name", "run_ids")
    JOB_NAME_FIELD_NUMBER: _ClassVar[int]
    RUN_IDS_FIELD_NUMBER: _ClassVar[int]
    job_name: str
    run_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, job_name: _Optional[str] = ..., run_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchStopJobRunsResponse(_message.Message):
    __slots__ = ("stopping", "errors")
    class Error(_message.Message):
        __slots__ = ("run_id", "code", "message")
        RUN_ID_FIELD_NUMBER: _ClassVar[int]
        CODE_FIELD_NUMBER: _ClassVar[int]
        MESSAGE_FIELD_NUMBER: _ClassVar[int]
        run_id: str
        code: str
        message: str
        def __init__(self, run_id: _Optional[str] = ..., code: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...
    STOPPING_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    stopping: _containers.RepeatedCompositeFieldContainer[JobRun]
    errors: _containers.RepeatedCompositeFieldContainer[BatchStopJobRunsResponse.Error]
    def __init__(self, stopping: _Optional[_Iterable[_Union[JobRun, _Mapping]]] = ..., errors: _Optional[_Iterable[_Union[BatchStopJobRunsResponse.Error, _Mapping]]] = ...) -> None: ...

class WatchJobRunRequest(_message.Message):
    __slots__ = ("run_id", "follow_retries")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_RETRIES_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    follow_retries: bool
    def __init__(self, run_id: _Optional[str] = ..., follow_retries: _Optional[bool] = ...) -> None: ...

class JobRunStateChange(_message.Message):
    __slots__ = ("run_id", "attempt", "state", "at", "message", "job_run")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    JOB_RUN_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    attempt: int
    state: JobRun.State
    at: _timestamp_pb2.Timestamp
    message: str
    job_run: JobRun
    def __init__(self, run_id: _Optional[str] = ..., attempt: _Optional[int] = ..., state: _Optional[_Union[JobRun.State, str]] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., message: _Optional[str] = ..., job_run: _Optional[_Union[JobRun, _Mapping]] = ...) -> None: ...

class GetJobRunLogsRequest(_message.Message):
    __slots__ = ("run_id", "offset", "max_bytes")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    MAX_BYTES_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    offset: int
    max_bytes: int
    def __init__(self, run_id: _Optional[str] = ..., offset: _Optional[int] = ..., max_bytes: _Optional[int] = ...) -> None: ...

class FollowJobRunLogsRequest(_message.Message):
    __slots__ = ("run_id", "offset")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    offset: int
    def __init__(self, run_id: _Optional[str] = ..., offset: _Optional[int] = ...) -> None: ...

class LogChunk(_message.Message):
    __slots__ = ("run_id", "offset", "data", "next_offset", "complete", "state")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    NEXT_OFFSET_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    offset: int
    data: bytes
    next_offset: int
    complete: bool
    state: JobRun.State
    def __init__(self, run_id: _Optional[str] = ..., offset: _Optional[int] = ..., data: _Optional[bytes] = ..., next_offset: _Optional[int] = ..., complete: _Optional[bool] = ..., state: _Optional[_Union[JobRun.State, str]] = ...) -> None: ...

class BookmarkEntry(_message.Message):
    __slots__ = ("source", "state_json", "run_id", "updated_on")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    STATE_JSON_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    UPDATED_ON_FIELD_NUMBER: _ClassVar[int]
    source: str
    state_json: str
    run_id: str
    updated_on: _timestamp_pb2.Timestamp
    def __init__(self, source: _Optional[str] = ..., state_json: _Optional[str] = ..., run_id: _Optional[str] = ..., updated_on: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class JobBookmark(_message.Message):
    __slots__ = ("job_name", "version", "run_id", "entries", "now_floor", "mode")
    class EntriesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: BookmarkEntry
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[BookmarkEntry, _Mapping]] = ...) -> None: ...
    JOB_NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NOW_FLOOR_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    job_name: str
    version: int
    run_id: str
    entries: _containers.MessageMap[str, BookmarkEntry]
    now_floor: _timestamp_pb2.Timestamp
    mode: Job.BookmarkMode
    def __init__(self, job_name: _Optional[str] = ..., version: _Optional[int] = ..., run_id: _Optional[str] = ..., entries: _Optional[_Mapping[str, BookmarkEntry]] = ..., now_floor: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., mode: _Optional[_Union[Job.BookmarkMode, str]] = ...) -> None: ...

class GetJobBookmarkRequest(_message.Message):
    __slots__ = ("job_name",)
    JOB_NAME_FIELD_NUMBER: _ClassVar[int]
    job_name: str
    def __init__(self, job_name: _Optional[str] = ...) -> None: ...

class CommitJobBookmarkRequest(_message.Message):
    __slots__ = ("job_name", "run_id", "base_version", "entries_json")
    class EntriesJsonEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    JOB_NAME_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    BASE_VERSION_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_JSON_FIELD_NUMBER: _ClassVar[int]
    job_name: str
    run_id: str
    base_version: int
    entries_json: _containers.ScalarMap[str, str]
    def __init__(self, job_name: _Optional[str] = ..., run_id: _Optional[str] = ..., base_version: _Optional[int] = ..., entries_json: _Optional[_Mapping[str, str]] = ...) -> None: ...

class CommitJobBookmarkResponse(_message.Message):
    __slots__ = ("staged", "version")
    STAGED_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    staged: bool
    version: int
    def __init__(self, staged: _Optional[bool] = ..., version: _Optional[int] = ...) -> None: ...

class ResetJobBookmarkRequest(_message.Message):
    __slots__ = ("job_name",)
    JOB_NAME_FIELD_NUMBER: _ClassVar[int]
    job_name: str
    def __init__(self, job_name: _Optional[str] = ...) -> None: ...

class RewindJobBookmarkRequest(_message.Message):
    __slots__ = ("job_name", "run_id")
    JOB_NAME_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    job_name: str
    run_id: str
    def __init__(self, job_name: _Optional[str] = ..., run_id: _Optional[str] = ...) -> None: ...

class SetJobBookmarkToNowRequest(_message.Message):
    __slots__ = ("job_name",)
    JOB_NAME_FIELD_NUMBER: _ClassVar[int]
    job_name: str
    def __init__(self, job_name: _Optional[str] = ...) -> None: ...

class Condition(_message.Message):
    __slots__ = ("logical_operator", "job_name", "crawler_name", "state", "crawl_state")
    class LogicalOperator(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        LOGICAL_OPERATOR_UNSPECIFIED: _ClassVar[Condition.LogicalOperator]
        EQUALS: _ClassVar[Condition.LogicalOperator]
    LOGICAL_OPERATOR_UNSPECIFIED: Condition.LogicalOperator
    EQUALS: Condition.LogicalOperator
    LOGICAL_OPERATOR_FIELD_NUMBER: _ClassVar[int]
    JOB_NAME_FIELD_NUMBER: _ClassVar[int]
    CRAWLER_NAME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CRAWL_STATE_FIELD_NUMBER: _ClassVar[int]
    logical_operator: Condition.LogicalOperator
    job_name: str
    crawler_name: str
    state: JobRun.State
    crawl_state: str
    def __init__(self, logical_operator: _Optional[_Union[Condition.LogicalOperator, str]] = ..., job_name: _Optional[str] = ..., crawler_name: _Optional[str] = ..., state: _Optional[_Union[JobRun.State, str]] = ..., crawl_state: _Optional[str] = ...) -> None: ...

class Predicate(_message.Message):
    __slots__ = ("logical", "conditions")
    class Logical(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        LOGICAL_UNSPECIFIED: _ClassVar[Predicate.Logical]
        AND: _ClassVar[Predicate.Logical]
        ANY: _ClassVar[Predicate.Logical]
    LOGICAL_UNSPECIFIED: Predicate.Logical
    AND: Predicate.Logical
    ANY: Predicate.Logical
    LOGICAL_FIELD_NUMBER: _ClassVar[int]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    logical: Predicate.Logical
    conditions: _containers.RepeatedCompositeFieldContainer[Condition]
    def __init__(self, logical: _Optional[_Union[Predicate.Logical, str]] = ..., conditions: _Optional[_Iterable[_Union[Condition, _Mapping]]] = ...) -> None: ...

class Action(_message.Message):
    __slots__ = ("job_name", "crawler_name", "arguments", "timeout_seconds")
    class ArgumentsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    JOB_NAME_FIELD_NUMBER: _ClassVar[int]
    CRAWLER_NAME_FIELD_NUMBER: _ClassVar[int]
    ARGUMENTS_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    job_name: str
    crawler_name: str
    arguments: _containers.ScalarMap[str, str]
    timeout_seconds: int
    def __init__(self, job_name: _Optional[str] = ..., crawler_name: _Optional[str] = ..., arguments: _Optional[_Mapping[str, str]] = ..., timeout_seconds: _Optional[int] = ...) -> None: ...

class EventBatchingCondition(_message.Message):
    __slots__ = ("batch_size", "batch_window_seconds")
    BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    BATCH_WINDOW_SECONDS_FIELD_NUMBER: _ClassVar[int]
    batch_size: int
    batch_window_seconds: int
    def __init__(self, batch_size: _Optional[int] = ..., batch_window_seconds: _Optional[int] = ...) -> None: ...

class Trigger(_message.Message):
    __slots__ = ("name", "workflow_name", "type", "state", "description", "schedule", "timezone", "predicate", "actions", "event_batching_condition", "start_on_creation", "next_fire_time", "last_fired_on")
    class Type(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        TYPE_UNSPECIFIED: _ClassVar[Trigger.Type]
        SCHEDULED: _ClassVar[Trigger.Type]
        CONDITIONAL: _ClassVar[Trigger.Type]
        ON_DEMAND: _ClassVar[Trigger.Type]
        EVENT: _ClassVar[Trigger.Type]
    TYPE_UNSPECIFIED: Trigger.Type
    SCHEDULED: Trigger.Type
    CONDITIONAL: Trigger.Type
    ON_DEMAND: Trigger.Type
    EVENT: Trigger.Type
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[Trigger.State]
        CREATED: _ClassVar[Trigger.State]
        ACTIVATED: _ClassVar[Trigger.State]
        DEACTIVATED: _ClassVar[Trigger.State]
    STATE_UNSPECIFIED: Trigger.State
    CREATED: Trigger.State
    ACTIVATED: Trigger.State
    DEACTIVATED: Trigger.State
    NAME_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    PREDICATE_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    EVENT_BATCHING_CONDITION_FIELD_NUMBER: _ClassVar[int]
    START_ON_CREATION_FIELD_NUMBER: _ClassVar[int]
    NEXT_FIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_FIRED_ON_FIELD_NUMBER: _ClassVar[int]
    name: str
    workflow_name: str
    type: Trigger.Type
    state: Trigger.State
    description: str
    schedule: str
    timezone: str
    predicate: Predicate
    actions: _containers.RepeatedCompositeFieldContainer[Action]
    event_batching_condition: EventBatchingCondition
    start_on_creation: bool
    next_fire_time: _timestamp_pb2.Timestamp
    last_fired_on: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., workflow_name: _Optional[str] = ..., type: _Optional[_Union[Trigger.Type, str]] = ..., state: _Optional[_Union[Trigger.State, str]] = ..., description: _Optional[str] = ..., schedule: _Optional[str] = ..., timezone: _Optional[str] = ..., predicate: _Optional[_Union[Predicate, _Mapping]] = ..., actions: _Optional[_Iterable[_Union[Action, _Mapping]]] = ..., event_batching_condition: _Optional[_Union[EventBatchingCondition, _Mapping]] = ..., start_on_creation: _Optional[bool] = ..., next_fire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_fired_on: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateTriggerRequest(_message.Message):
    __slots__ = ("trigger",)
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    trigger: Trigger
    def __init__(self, trigger: _Optional[_Union[Trigger, _Mapping]] = ...) -> None: ...

class UpdateTriggerRequest(_message.Message):
    __slots__ = ("trigger", "update_mask")
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    trigger: Trigger
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, trigger: _Optional[_Union[Trigger, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class GetTriggerRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListTriggersRequest(_message.Message):
    __slots__ = ("dependent_job_name", "page_size", "page_token")
    DEPENDENT_JOB_NAME_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    dependent_job_name: str
    page_size: int
    page_token: str
    def __init__(self, dependent_job_name: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListTriggersResponse(_message.Message):
    __slots__ = ("triggers", "next_page_token")
    TRIGGERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    triggers: _containers.RepeatedCompositeFieldContainer[Trigger]
    next_page_token: str
    def __init__(self, triggers: _Optional[_Iterable[_Union[Trigger, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DeleteTriggerRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteTriggerResponse(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class StartTriggerRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class StopTriggerRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class NotifyEventRequest(_message.Message):
    __slots__ = ("trigger_name", "event_id", "payload_json")
    TRIGGER_NAME_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_JSON_FIELD_NUMBER: _ClassVar[int]
    trigger_name: str
    event_id: str
    payload_json: str
    def __init__(self, trigger_name: _Optional[str] = ..., event_id: _Optional[str] = ..., payload_json: _Optional[str] = ...) -> None: ...

class NotifyEventResponse(_message.Message):
    __slots__ = ("pending_events", "fired")
    PENDING_EVENTS_FIELD_NUMBER: _ClassVar[int]
    FIRED_FIELD_NUMBER: _ClassVar[int]
    pending_events: int
    fired: bool
    def __init__(self, pending_events: _Optional[int] = ..., fired: _Optional[bool] = ...) -> None: ...

class Workflow(_message.Message):
    __slots__ = ("name", "description", "default_run_properties", "max_concurrent_runs", "trigger_names", "created_on", "last_modified_on", "last_run")
    class DefaultRunPropertiesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_RUN_PROPERTIES_FIELD_NUMBER: _ClassVar[int]
    MAX_CONCURRENT_RUNS_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_NAMES_FIELD_NUMBER: _ClassVar[int]
    CREATED_ON_FIELD_NUMBER: _ClassVar[int]
    LAST_MODIFIED_ON_FIELD_NUMBER: _ClassVar[int]
    LAST_RUN_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    default_run_properties: _containers.ScalarMap[str, str]
    max_concurrent_runs: int
    trigger_names: _containers.RepeatedScalarFieldContainer[str]
    created_on: _timestamp_pb2.Timestamp
    last_modified_on: _timestamp_pb2.Timestamp
    last_run: WorkflowRun
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., default_run_properties: _Optional[_Mapping[str, str]] = ..., max_concurrent_runs: _Optional[int] = ..., trigger_names: _Optional[_Iterable[str]] = ..., created_on: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_modified_on: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_run: _Optional[_Union[WorkflowRun, _Mapping]] = ...) -> None: ...

class WorkflowRunStatistics(_message.Message):
    __slots__ = ("total_actions", "running_actions", "succeeded_actions", "failed_actions", "stopped_actions", "timeout_actions", "errored_actions", "waiting_actions")
    TOTAL_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    RUNNING_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    SUCCEEDED_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    FAILED_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    STOPPED_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    ERRORED_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    WAITING_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    total_actions: int
    running_actions: int
    succeeded_actions: int
    failed_actions: int
    stopped_actions: int
    timeout_actions: int
    errored_actions: int
    waiting_actions: int
    def __init__(self, total_actions: _Optional[int] = ..., running_actions: _Optional[int] = ..., succeeded_actions: _Optional[int] = ..., failed_actions: _Optional[int] = ..., stopped_actions: _Optional[int] = ..., timeout_actions: _Optional[int] = ..., errored_actions: _Optional[int] = ..., waiting_actions: _Optional[int] = ...) -> None: ...

class WorkflowNode(_message.Message):
    __slots__ = ("type", "name", "job_runs", "crawls")
    class Type(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        TYPE_UNSPECIFIED: _ClassVar[WorkflowNode.Type]
        TRIGGER: _ClassVar[WorkflowNode.Type]
        JOB: _ClassVar[WorkflowNode.Type]
        CRAWLER: _ClassVar[WorkflowNode.Type]
    TYPE_UNSPECIFIED: WorkflowNode.Type
    TRIGGER: WorkflowNode.Type
    JOB: WorkflowNode.Type
    CRAWLER: WorkflowNode.Type
    TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    JOB_RUNS_FIELD_NUMBER: _ClassVar[int]
    CRAWLS_FIELD_NUMBER: _ClassVar[int]
    type: WorkflowNode.Type
    name: str
    job_runs: _containers.RepeatedCompositeFieldContainer[JobRun]
    crawls: _containers.RepeatedCompositeFieldContainer[CrawlRun]
    def __init__(self, type: _Optional[_Union[WorkflowNode.Type, str]] = ..., name: _Optional[str] = ..., job_runs: _Optional[_Iterable[_Union[JobRun, _Mapping]]] = ..., crawls: _Optional[_Iterable[_Union[CrawlRun, _Mapping]]] = ...) -> None: ...

class CrawlRun(_message.Message):
    __slots__ = ("id", "crawler_name", "state", "started_on", "completed_on", "trigger_name", "message", "error_count")
    ID_FIELD_NUMBER: _ClassVar[int]
    CRAWLER_NAME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    STARTED_ON_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_ON_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_NAME_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ERROR_COUNT_FIELD_NUMBER: _ClassVar[int]
    id: str
    crawler_name: str
    state: str
    started_on: _timestamp_pb2.Timestamp
    completed_on: _timestamp_pb2.Timestamp
    trigger_name: str
    message: str
    error_count: int
    def __init__(self, id: _Optional[str] = ..., crawler_name: _Optional[str] = ..., state: _Optional[str] = ..., started_on: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., completed_on: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., trigger_name: _Optional[str] = ..., message: _Optional[str] = ..., error_count: _Optional[int] = ...) -> None: ...

class WorkflowRun(_message.Message):
    __slots__ = ("id", "workflow_name", "status", "run_properties", "started_on", "completed_on", "statistics", "error_message", "nodes", "previous_run_id")
    class Status(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATUS_UNSPECIFIED: _ClassVar[WorkflowRun.Status]
        RUNNING: _ClassVar[WorkflowRun.Status]
        COMPLETED: _ClassVar[WorkflowRun.Status]
        STOPPING: _ClassVar[WorkflowRun.Status]
        STOPPED: _ClassVar[WorkflowRun.Status]
        ERROR: _ClassVar[WorkflowRun.Status]
    STATUS_UNSPECIFIED: WorkflowRun.Status
    RUNNING: WorkflowRun.Status
    COMPLETED: WorkflowRun.Status
    STOPPING: WorkflowRun.Status
    STOPPED: WorkflowRun.Status
    ERROR: WorkflowRun.Status
    class RunPropertiesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RUN_PROPERTIES_FIELD_NUMBER: _ClassVar[int]
    STARTED_ON_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_ON_FIELD_NUMBER: _ClassVar[int]
    STATISTICS_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    workflow_name: str
    status: WorkflowRun.Status
    run_properties: _containers.ScalarMap[str, str]
    started_on: _timestamp_pb2.Timestamp
    completed_on: _timestamp_pb2.Timestamp
    statistics: WorkflowRunStatistics
    error_message: str
    nodes: _containers.RepeatedCompositeFieldContainer[WorkflowNode]
    previous_run_id: str
    def __init__(self, id: _Optional[str] = ..., workflow_name: _Optional[str] = ..., status: _Optional[_Union[WorkflowRun.Status, str]] = ..., run_properties: _Optional[_Mapping[str, str]] = ..., started_on: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., completed_on: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., statistics: _Optional[_Union[WorkflowRunStatistics, _Mapping]] = ..., error_message: _Optional[str] = ..., nodes: _Optional[_Iterable[_Union[WorkflowNode, _Mapping]]] = ..., previous_run_id: _Optional[str] = ...) -> None: ...

class CreateWorkflowRequest(_message.Message):
    __slots__ = ("workflow",)
    WORKFLOW_FIELD_NUMBER: _ClassVar[int]
    workflow: Workflow
    def __init__(self, workflow: _Optional[_Union[Workflow, _Mapping]] = ...) -> None: ...

class UpdateWorkflowRequest(_message.Message):
    __slots__ = ("workflow",)
    WORKFLOW_FIELD_NUMBER: _ClassVar[int]
    workflow: Workflow
    def __init__(self, workflow: _Optional[_Union[Workflow, _Mapping]] = ...) -> None: ...

class GetWorkflowRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListWorkflowsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListWorkflowsResponse(_message.Message):
    __slots__ = ("workflows", "next_page_token")
    WORKFLOWS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    workflows: _containers.RepeatedCompositeFieldContainer[Workflow]
    next_page_token: str
    def __init__(self, workflows: _Optional[_Iterable[_Union[Workflow, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DeleteWorkflowRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteWorkflowResponse(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class StartWorkflowRunRequest(_message.Message):
    __slots__ = ("name", "run_properties")
    class RunPropertiesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    RUN_PROPERTIES_FIELD_NUMBER: _ClassVar[int]
    name: str
    run_properties: _containers.ScalarMap[str, str]
    def __init__(self, name: _Optional[str] = ..., run_properties: _Optional[_Mapping[str, str]] = ...) -> None: ...

class GetWorkflowRunRequest(_message.Message):
    __slots__ = ("name", "run_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    run_id: str
    def __init__(self, name: _Optional[str] = ..., run_id: _Optional[str] = ...) -> None: ...

class ListWorkflowRunsRequest(_message.Message):
    __slots__ = ("name", "page_size", "page_token")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    name: str
    page_size: int
    page_token: str
    def __init__(self, name: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListWorkflowRunsResponse(_message.Message):
    __slots__ = ("runs", "next_page_token")
    RUNS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    runs: _containers.RepeatedCompositeFieldContainer[WorkflowRun]
    next_page_token: str
    def __init__(self, runs: _Optional[_Iterable[_Union[WorkflowRun, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class StopWorkflowRunRequest(_message.Message):
    __slots__ = ("name", "run_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    run_id: str
    def __init__(self, name: _Optional[str] = ..., run_id: _Optional[str] = ...) -> None: ...

class ResumeWorkflowRunRequest(_message.Message):
    __slots__ = ("name", "run_id", "node_names")
    NAME_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    NODE_NAMES_FIELD_NUMBER: _ClassVar[int]
    name: str
    run_id: str
    node_names: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., run_id: _Optional[str] = ..., node_names: _Optional[_Iterable[str]] = ...) -> None: ...
