"""Input rules shared by the web forms, the REST API and the FHIR server, so that the same input
is refused the same way (the same message) whichever way it comes in.

- A NUL character (``\\x00``) is never accepted in text: PostgreSQL cannot store it, and nobody
  types it. Django's form ``CharField`` already refuses it with ``ProhibitNullCharactersValidator``;
  ``text_without_nul`` is that same validator (same message, same code) for every other entry
  point, and ``ApiText`` its pydantic form for the API's schemas and query parameters.
"""

from typing import Annotated

from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from pydantic import AfterValidator

#: The one NUL rule: Django's form validator, used as it is by forms and called by the APIs.
prohibit_nul = ProhibitNullCharactersValidator()


def text_without_nul(value: str) -> str:
    """``value`` unchanged, or ``ValidationError`` (code ``null_characters_not_allowed``) when it
    holds a NUL character: exactly what a web form says about the same input."""
    prohibit_nul(value)
    return value


def nul_message() -> str:
    return str(prohibit_nul.message)


def _api_text(value: str) -> str:
    try:
        return text_without_nul(value)
    except ValidationError as error:
        raise ValueError(nul_message()) from error


#: A text field or query parameter of the REST API: a NUL character is a 422 with the web form's message.
ApiText = Annotated[str, AfterValidator(_api_text)]
