"""Test support code (local servers, helpers). Only 127.0.0.1."""
