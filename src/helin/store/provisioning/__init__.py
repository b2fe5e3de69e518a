"""Declarative provisioning from YAML files: ``file.provision_file`` reads, validates
(``schema``) and applies (``apply``, with ``groups`` for a group's settings) in one
transaction; ``yamlsource`` keeps each value's line for error messages."""
