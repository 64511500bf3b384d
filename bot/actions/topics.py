"""What the action server knows about topics: intents, articles, queues and labels."""

from __future__ import annotations

# intents of the account-action topics and the article that answers each
TOPIC_ARTICLES = {
    "hacked_account": "account-hacked-recovery",
    "ban_appeal": "account-banned-appeal",
    "payout_missing": "payout-missing",
    "impersonation": "report-impersonation",
}
# article id -> topic whose form gathers the details an associate needs
ARTICLE_TOPICS = {
    "account-hacked-recovery": "hacked",
    "account-banned-appeal": "ban",
    "payout-missing": "payout",
    "report-impersonation": "impersonation",
}
TOPIC_QUEUES = {"payout": "payments", "hacked": "account", "ban": "account", "impersonation": "account"}
TOPIC_FORMS = {
    "payout": "payout_details_form",
    "hacked": "hacked_account_form",
    "ban": "ban_appeal_form",
    "impersonation": "impersonation_form",
}
# safety articles and the safety category they stand for
SAFETY_ARTICLES = {
    "self-harm-resources": "self_harm",
    "report-harassment": "harassment",
    "sextortion-threats": "sextortion",
    "privacy-doxxing": "doxxing",
    "minor-safety": "minor_safety",
}
FORM_SLOTS = (
    "withdrawal_date",
    "withdrawal_amount",
    "payment_method",
    "account_username",
    "account_contact",
    "lost_access_date",
    "ban_notice_date",
    "impersonator_handle",
)
# labels for the associate (the console's language is English)
DETAIL_LABELS = {
    "withdrawal_date": "withdrawal date",
    "withdrawal_amount": "amount",
    "payment_method": "method",
    "account_username": "username",
    "account_contact": "email/phone on account",
    "lost_access_date": "lost access",
    "ban_notice_date": "ban notice date",
    "impersonator_handle": "impersonator",
}
REASON_LABELS = {
    "requested_by_creator": "Creator asked for a person",
    "not_resolved": "Answer did not help",
    "low_confidence": "Bot could not understand",
    "account_action": "Needs action on the account",
    "safety": "SAFETY",
    "unsupported_language": "Unsupported language",
    "assistant_unavailable": "Assistant unavailable",
}
PRIORITIES = {"safety": 100, "account": 20, "payments": 20, "general": 10}
LANGUAGE_NAMES = {
    "en": {"en": "English", "fr": "French", "ar": "Arabic"},
    "fr": {"en": "anglais", "fr": "français", "ar": "arabe"},
    "ar": {"en": "الإنجليزية", "fr": "الفرنسية", "ar": "العربية"},
}
EXAMPLE_QUESTIONS = {
    "en": ["How do I withdraw my earnings?", "Why was my video removed?", "Who can go LIVE?"],
    "fr": ["Comment retirer mes gains ?", "Pourquoi ma vidéo a été supprimée ?", "Qui peut faire un LIVE ?"],
    "ar": ["كيف أسحب أرباحي؟", "لماذا حُذف الفيديو الخاص بي؟", "من يمكنه البث المباشر؟"],
}
