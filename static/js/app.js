// Enhancements for every page; each page works without them.
"use strict";
document.documentElement.classList.add("js");

// The language menu applies on change; without JavaScript its Change button submits it.
document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
  select.addEventListener("change", () => select.form.submit());
});
