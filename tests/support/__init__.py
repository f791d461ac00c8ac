"""What the tests share: helpers, realistic records and registers, real SMTP and S3 servers on
loopback, document text extraction."""
