"""Adapters to the services outside ours: GOV.UK Notify for email (``email``), the teacher
record API (``teacher_records``), and local fakes of them for development and tests (``fakes``).

Business rules never talk to these directly: ``domain/`` takes an adapter as an argument, so
tests and ``make run`` swap in the local outbox or the fake server with no other change.
"""
