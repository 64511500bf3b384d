"""Texts the hub itself sends (when the assistant can't), in en, fr and ar."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "assistant_unavailable": {
        "en": "Sorry, our assistant is having trouble right now. I've passed your message to a member of "
        "the support team, who will reply here - you won't need to repeat yourself.",
        "fr": "Désolé, notre assistant rencontre un souci en ce moment. J'ai transmis votre message à un "
        "membre de l'équipe support, qui vous répondra ici : inutile de tout réexpliquer.",
        "ar": "عذرًا، يواجه المساعد مشكلة في الوقت الحالي. نقلتُ رسالتك إلى أحد أعضاء فريق الدعم، وسيرد "
        "عليك هنا دون أن تحتاج إلى إعادة شرح طلبك.",
    },
    "thanks_for_rating": {
        "en": "Thanks for your feedback!",
        "fr": "Merci pour votre retour !",
        "ar": "شكرًا على تقييمك!",
    },
    "rate_us": {
        "en": "Your conversation has been resolved. How would you rate the help you got, from 1 (poor) to 5 (great)?",
        "fr": "Votre demande a été traitée. Quelle note donneriez-vous à l'aide reçue, de 1 (mauvaise) à 5 (excellente) ?",
        "ar": "تمت معالجة طلبك. كيف تقيّم المساعدة التي حصلت عليها، من 1 (ضعيفة) إلى 5 (ممتازة)؟",
    },
    "attachment_received": {
        "en": "Thanks, I've added your image to this conversation so the support team can see it. "
        "I can't read images myself - tell me in a few words what it shows or what you need.",
        "fr": "Merci, j'ai ajouté votre image à la conversation pour que l'équipe support puisse la voir. "
        "Je ne sais pas lire les images moi-même : dites-moi en quelques mots ce qu'elle montre ou ce dont vous avez besoin.",
        "ar": "شكرًا، أضفتُ صورتك إلى المحادثة ليطّلع عليها فريق الدعم. لا أستطيع قراءة الصور بنفسي، "
        "فاكتب لي في كلمات قليلة ما تُظهره الصورة أو ما تحتاج إليه.",
    },
    "unsupported_language": {
        "en": "Sorry, I can only help in English, French or Arabic. I'm passing you to a member of our team. "
        "/ Désolé, je ne peux aider qu'en anglais, en français ou en arabe. Je vous transfère à un membre "
        "de notre équipe.",
    },
}


def hub_text(key: str, language: str) -> str:
    """The text ``key`` in ``language``, falling back to English."""
    variants = TEXTS[key]
    return variants.get(language) or variants["en"]
