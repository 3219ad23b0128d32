"""nbgrader configuration of every user of the course hub (students and instructors).

scripts/course-hub copies it to <COURSE_HUB_DIR>/etc/jupyter/, which every single-user
server has on its JUPYTER_CONFIG_PATH. An instructor's own course configuration
(grader/nbgrader_config.py of their copy of the course) comes first and adds the rest.
"""

import os

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

c.CourseDirectory.course_id = "pytorch-course"
# The shared exchange: root-owned, mode 1777 (see deploy/hub/jupyterhub_config.py).
c.Exchange.root = os.environ.get("COURSE_EXCHANGE_DIR", "/srv/pytorch-course/exchange")
# A student works in their home folder: fetched lessons land in ~/NN-slug/.
c.CourseDirectory.root = os.path.expanduser("~")
