"""A referral's life at the school: the actions on it, what the child's other records bring to its
rules (history), the Fast Track timeline, evidence, the signed pack, signing and verification."""
