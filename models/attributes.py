"""The attributes Modlens scores, what each means, and the default flag thresholds.

One place for the names: the service, the batch command and the extension's defaults
all read them from here (the extension through `GET /v1/attributes`).
"""

ATTRIBUTES = (
    "toxicity",
    "insult",
    "identity_attack",
    "profanity",
    "threat",
    "negativity",
    "hostility",
    "sarcasm",
    "off_topic",
)

DESCRIPTIONS = {
    "toxicity": "Rude, disrespectful or unreasonable; likely to make someone leave the discussion.",
    "insult": "Insulting or demeaning a person (a member, or a named third party).",
    "identity_attack": "Derogatory about people for a protected or group characteristic: nationality, "
    "ethnicity, religion, sex, sexuality, disability, age.",
    "profanity": "Swearing or obscenity, masked or obfuscated spellings included; an insult without a swear word is not profanity.",
    "threat": "Intent or wish to harm or intimidate someone: violence, their home, family or property, publishing "
    "their address; a threat reported or condemned is not one.",
    "negativity": "Negative tone (complaint, frustration, pessimism); not in itself a problem.",
    "hostility": "Aggressive, combative, condescending or dismissive towards another participant; anger at events "
    "or institutions is negativity, not hostility.",
    "sarcasm": "Sarcastic or ironic statement whose literal reading is not meant.",
    "off_topic": "Not about the thread's subject, judged against the title, opening post and parent.",
}

# Scores are calibrated probabilities, so 0.5 means "more likely yes than no". negativity
# and sarcasm are informational and flag only when the model is fairly sure. Two cuts follow
# a stated rule, measured on validation rows kept out of training by
# `python -m models.thresholds --data ../shared/data` (models/MODEL_CARD.md has its output):
# - threat is calibrated at Jigsaw's base rate (about 3 comments in 1 000), where even "I am
#   going to kill you." stays under 0.5; a threat is the one miss a moderator cannot afford,
#   so it flags at 0.1: with the 2026-12-01 weights, 0.095 is the lowest cut that flags at
#   most 0.5 % of the validation comments without a threat label (Jigsaw, Gab, the threat
#   templates' validation set, typed Toxic Spans), and 0.1 keeps to that rule.
# - hostility is calibrated at a newspaper comment section's rate (Unhealthy
#   Conversations); 0.39 is the lowest cut that flags at most 3 % of the validation replies
#   labelled not hostile (Unhealthy Conversations, CAD, Unpalatable Questions, ToxiChat).
DEFAULT_THRESHOLDS = {
    "toxicity": 0.5,
    "insult": 0.5,
    "identity_attack": 0.5,
    "profanity": 0.5,
    "threat": 0.1,
    "negativity": 0.7,
    "hostility": 0.39,
    "sarcasm": 0.6,
    "off_topic": 0.5,
}
