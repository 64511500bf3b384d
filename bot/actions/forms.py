"""Validation of the details forms: re-ask on bad input, keep normalised values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from bot.actions import details
from bot.actions.conversation import language_of

Parser = Callable[[str], str | None]


def _validate(
    value: Any, parser: Parser, error_response: str, slot: str, dispatcher: CollectingDispatcher
) -> dict[str, Any]:
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    parsed = parser(text)
    if parsed is None:
        dispatcher.utter_message(response=error_response)
        return {slot: None}
    return {slot: parsed}


class ValidatePayoutDetailsForm(FormValidationAction):
    """Withdrawal date, amount with currency, method."""

    def name(self) -> str:
        return "validate_payout_details_form"

    def validate_withdrawal_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        lang = language_of(tracker)
        return _validate(value, lambda t: details.parse_date(t, lang), "utter_invalid_date", "withdrawal_date", dispatcher)

    def validate_withdrawal_amount(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return _validate(value, details.parse_amount, "utter_invalid_amount", "withdrawal_amount", dispatcher)

    def validate_payment_method(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return _validate(value, details.parse_payment_method, "utter_invalid_payment_method", "payment_method", dispatcher)


class ValidateHackedAccountForm(FormValidationAction):
    """Username, the email or phone on the account, when access was lost."""

    def name(self) -> str:
        return "validate_hacked_account_form"

    def validate_account_username(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return _validate(value, details.parse_username, "utter_invalid_username", "account_username", dispatcher)

    def validate_account_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return _validate(value, details.parse_contact, "utter_invalid_contact", "account_contact", dispatcher)

    def validate_lost_access_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        lang = language_of(tracker)
        return _validate(value, lambda t: details.parse_date(t, lang), "utter_invalid_date", "lost_access_date", dispatcher)


class ValidateBanAppealForm(FormValidationAction):
    """Username and the date on the ban notice."""

    def name(self) -> str:
        return "validate_ban_appeal_form"

    def validate_account_username(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return _validate(value, details.parse_username, "utter_invalid_username", "account_username", dispatcher)

    def validate_ban_notice_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        lang = language_of(tracker)
        return _validate(value, lambda t: details.parse_date(t, lang), "utter_invalid_date", "ban_notice_date", dispatcher)


class ValidateImpersonationForm(FormValidationAction):
    """The creator's username and the impersonator's."""

    def name(self) -> str:
        return "validate_impersonation_form"

    def validate_account_username(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return _validate(value, details.parse_username, "utter_invalid_username", "account_username", dispatcher)

    def validate_impersonator_handle(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return _validate(value, details.parse_username, "utter_invalid_username", "impersonator_handle", dispatcher)
