"""DynamoDB tables as PynamoDB models, and the plumbing that binds them to the configured account."""
