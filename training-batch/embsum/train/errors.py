"""The trainer's settings error, in a module of its own so that every part of the configuration
(config.py, batch_arithmetic.py) can raise it without importing the others."""


class ConfigError(ValueError):
    """A TrainConfig that cannot run; the message says what is wrong and how to fix it."""
