"""Infrastructure: the CDK app and the state machine definitions it deploys as they are."""
