"""The services: one folder per endpoint, one class per HTTP verb."""
