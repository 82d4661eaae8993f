"""On PostgreSQL, the event table is partitioned by day on occurred_at (the rest of the schema is 0001's).

Daily partitions are made ahead and dropped after the retention period by the worker
(analytics.store.DatabaseEventStore.maintain); a default partition catches anything outside them.
The primary key must include the partition key, and identity columns on partitioned tables need
PostgreSQL 17, so the id is a bigserial.
"""

from django.db import migrations

COLUMNS = """
    "id" bigserial NOT NULL,
    "occurred_at" timestamp with time zone NOT NULL,
    "kind" varchar(12) NOT NULL,
    "page_id" integer NOT NULL,
    "story_id" integer NULL,
    "section_id" integer NULL,
    "author_id" integer NULL,
    "format" varchar(20) NOT NULL,
    "channel" varchar(40) NOT NULL,
    "visitor" bigint NOT NULL,
    "view" varchar(32) NOT NULL,
    "referrer_class" varchar(10) NOT NULL,
    "referrer_host" varchar(100) NOT NULL,
    "utm_source" varchar(100) NOT NULL,
    "utm_medium" varchar(100) NOT NULL,
    "utm_campaign" varchar(100) NOT NULL,
    "device" varchar(8) NOT NULL,
    "engaged_seconds" integer NOT NULL CHECK ("engaged_seconds" >= 0),
    "scroll" smallint NOT NULL CHECK ("scroll" >= 0),
    "agency_id" bigint NOT NULL,
    PRIMARY KEY ("id", "occurred_at")
"""


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute('DROP TABLE "analytics_event"')
    schema_editor.execute(f'CREATE TABLE "analytics_event" ({COLUMNS}) PARTITION BY RANGE ("occurred_at")')
    schema_editor.execute('CREATE TABLE "analytics_event_default" PARTITION OF "analytics_event" DEFAULT')
    schema_editor.execute('CREATE INDEX "analytics_event_time" ON "analytics_event" ("occurred_at")')
    schema_editor.execute(
        'CREATE INDEX "analytics_event_agency_time" ON "analytics_event" ("agency_id", "occurred_at")'
    )


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute('DROP TABLE "analytics_event" CASCADE')
    schema_editor.execute(f'CREATE TABLE "analytics_event" ({COLUMNS.replace("bigserial", "bigint")})')


class Migration(migrations.Migration):
    dependencies = [("analytics", "0001_initial")]

    operations = [migrations.RunPython(partition, unpartition)]
