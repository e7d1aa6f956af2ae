"""ThriftHiveMetastore notification-log methods → EventLog."""
from __future__ import annotations

from hive_metastore import ttypes as tt

from .errors import thrift_errors


class EventMethods:
    """Mixin for Handler; needs `self.events` (an EventLog)."""

    @thrift_errors
    def get_next_notification(self, rqst):
        events = self.events.after(rqst.lastEvent or 0, -1 if rqst.maxEvents is None else rqst.maxEvents,
                                   skip_types=rqst.eventTypeSkipList)
        return tt.NotificationEventResponse(events=[
            tt.NotificationEvent(eventId=e.id, eventTime=e.time, eventType=e.type, dbName=e.db_name,
                                 tableName=e.table_name, message=e.message, messageFormat=e.message_format,
                                 catName=e.catalog)
            for e in events])

    @thrift_errors
    def get_current_notificationEventId(self):
        return tt.CurrentNotificationEventId(eventId=self.events.current_id())

    @thrift_errors
    def get_notification_events_count(self, rqst):
        count = self.events.count(rqst.fromEventId or 0, (rqst.dbName or "").lower() or None, rqst.toEventId)
        if rqst.limit is not None and rqst.limit >= 0:
            count = min(count, rqst.limit)
        return tt.NotificationEventsCountResponse(eventsCount=count)
