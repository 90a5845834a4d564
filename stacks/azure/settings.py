"""Azure stack settings that the runbook, report and stack all read: one home each, no SDK import."""

from __future__ import annotations

# Flexible Server automated backups (point-in-time restore window), days.
DATABASE_BACKUP_DAYS = {"trial": 7, "production": 14}
