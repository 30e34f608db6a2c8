"""`mx.mod`: Module and BucketingModule around one jitted training step."""

from .module import BaseModule, Module  # noqa: F401
