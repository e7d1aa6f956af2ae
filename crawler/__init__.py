"""The crawler: point it at a data lake (local paths or s3://) and it catalogs the tables a
data engineer would have written by hand, readable as-is by Spark 4 and Trino.

    discovery  list files, skip junk and exclusions (globs)
    formats/   one plugin per format: detect, infer the schema, decide the Hive storage
    grouping   table roots and partitions (partitions: typed partition values)
    planner    catalog Tables/Partitions, Glue-style parameters, Spark datasource properties
    policies   the diff against the catalog under the recrawl/deletion policies
    runner     the crawl itself (Crawler, CrawlConfig, CrawlReport); manifest for
               incremental recrawls
    targets/   the catalog written to: lakeglue in-process, or any metastore over Thrift
    cli, daemon  `lakeglue crawl`, `lakeglue crawler serve|run|list`
"""
