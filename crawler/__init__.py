"""The crawler: point it at a data lake (local paths or s3://) and it catalogs the tables a
data engineer would have written by hand, readable as-is by Spark 4 and Trino.

    discovery  list files, skip junk and exclusions (globs); folder mtimes for recrawls
    formats/   one plugin per format: detect, infer the schema, decide the Hive storage
    grouping   table roots and partitions (partitions: typed partition values)
    planner    catalog Tables/Partitions, Glue-style parameters, Spark datasource properties
    policies   the diff against the catalog under the recrawl/deletion policies
    sampling   which files are read (a sample of each partition folder), reading: reading them
    runner     the crawl itself (Crawler, CrawlConfig; report: CrawlReport); manifest and
               recrawl for incremental recrawls and the early stop of unchanged ones
    targets/   the catalog written to: lakeglue in-process, or any metastore over Thrift
    model, tables, store, migrations/  named crawlers, runs and manifests in the catalog database
    service    running named crawlers: now, in the background, on schedules, one run at a time
    embedded   the crawler daemon inside `lakeglue serve`, wired to the job runner's triggers
    cli, commands, specfile  `lakeglue crawl`, `lakeglue crawler create|…|daemon|import`
"""
