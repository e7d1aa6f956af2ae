"""Helpers shared by the test suites: catalog servers and Thrift clients."""
