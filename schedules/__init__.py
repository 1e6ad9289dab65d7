"""What is due when: care plans as data and the pure planner that expands them."""
