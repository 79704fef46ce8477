// SCIM Provisioning page: only enhancements. The server validates and confirms on its own.
"use strict";

// Generate SCIM Token stays disabled until every required field has a value.
document.querySelectorAll("form[data-settings-form]").forEach((form) => {
  const button = form.querySelector("[data-generate]");
  if (!button) return;
  const required = Array.from(form.querySelectorAll("[required]"));
  const update = () => {
    button.disabled = !required.every((field) => field.value.trim() !== "");
  };
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  // A second click would ask for a second token before the first one is shown.
  form.addEventListener("submit", () => {
    window.setTimeout(() => { button.disabled = true; }, 0);
  });
  update();
});

// Copy buttons (hidden without JavaScript, where the read-only field can be selected by hand).
document.querySelectorAll("[data-copy]").forEach((button) => {
  const input = document.getElementById(button.dataset.copy);
  const label = button.querySelector("span");
  const original = label.textContent;
  button.hidden = false;
  button.setAttribute("aria-live", "polite");
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(input.value);
    } catch (error) {
      input.select();
      document.execCommand("copy");
    }
    label.textContent = button.dataset.copiedLabel;
    button.classList.add("is-copied");
    window.setTimeout(() => {
      label.textContent = original;
      button.classList.remove("is-copied");
    }, 2000);
  });
});

// Reset Token: a confirm dialog. Confirming sends confirm=yes; without JavaScript the server
// shows its own confirmation step instead.
document.querySelectorAll("form[data-confirm]").forEach((form) => {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (!form.querySelector("input[name=confirm]")) {
      const confirmed = document.createElement("input");
      confirmed.type = "hidden";
      confirmed.name = "confirm";
      confirmed.value = "yes";
      form.appendChild(confirmed);
    }
  });
});
