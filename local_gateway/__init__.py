"""A local stand-in for API Gateway's WebSocket API: it reads the SAM template,
runs the real handlers in worker processes and keeps DynamoDB on loopback."""
