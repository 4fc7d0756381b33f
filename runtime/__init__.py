"""Runtime for the Graph calls API: documentation examples, validation, requests, notifications."""
