"""`mx.mod`: Module and BucketingModule around one jitted training step."""

from .bucketing_module import BucketingModule  # noqa: F401
from .module import BaseModule, Module  # noqa: F401
