"""Clinic setup of the schedule: resources, working hours, absences and closing days."""
