"""Step Functions workflows: their Lambda tasks are the app's own handlers."""
