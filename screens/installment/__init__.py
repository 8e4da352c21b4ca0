"""Installment phone purchase at a partner shop (clerk)."""
