"""The settings `explain` can try: `steps_per_execution=N`, `batch_size=N`,
`jit_compile=true|false`, parsed without importing Keras.

Example:

>>> parse("steps_per_execution=8").change
'steps_per_execution=8'
>>> parse("jit_compile=TRUE").value
True
>>> parse("epochs=3", what="--try")
Traceback (most recent call last):
...
ValueError: --try must be one of steps_per_execution=N, batch_size=N, jit_compile=true|false; got 'epochs=3'
"""

from dataclasses import dataclass

# The accepted forms, as the error and the docs say them.
FORMS = ("steps_per_execution=N", "batch_size=N", "jit_compile=true|false")
_BOOLEANS = {"true": True, "false": False}

@dataclass(frozen=True)
class Variant:
    """One change of a compile or fit setting.

    Args:
        setting: `steps_per_execution`, `batch_size` or `jit_compile`.
        value: An int >= 1, or a bool for `jit_compile`.
    """

    setting: str
    value: object

    @property
    def change(self):
        """The change as the user writes it, e.g. `jit_compile=true`."""
        value = str(self.value).lower() if isinstance(self.value, bool) \
            else self.value
        return "%s=%s" % (self.setting, value)


def parse(text, what="variants"):
    """A `Variant` from `"setting=value"`.

    Args:
        text: One of `FORMS`, e.g. `"batch_size=128"`.
        what: The argument named in the error.

    Raises:
        ValueError: naming `what` and the accepted forms.
    """
    setting, _, value = str(text).partition("=")
    setting, value = setting.strip(), value.strip()
    if setting == "jit_compile" and value.lower() in _BOOLEANS:
        return Variant(setting, _BOOLEANS[value.lower()])
    if setting in ("steps_per_execution", "batch_size") and value.isdigit() \
            and int(value) >= 1:
        return Variant(setting, int(value))
    raise ValueError("%s must be one of %s; got %r"
                     % (what, ", ".join(FORMS), text))


def parse_all(texts, what="variants"):
    """`[Variant]` from a list of strings (or None: no variants)."""
    if texts is None:
        return []
    if isinstance(texts, str):
        raise ValueError("%s must be a list of strings such as [%r], got "
                         "one string" % (what, FORMS[0]))
    return [parse(t, what) for t in texts]
