"""The local stack: moto as the AWS emulator, the app served by Chalice's local server."""
