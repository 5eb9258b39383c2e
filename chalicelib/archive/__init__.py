"""The compliance archive: immutable copies of every record on S3 Object Lock."""
