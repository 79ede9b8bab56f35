// Progressive enhancements only; every page works without JavaScript.
// A form with data-confirm asks in a dialog; once confirmed it says so in its data-confirmed
// field, so the server does not ask again on a page of its own.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const message = form.dataset.confirm;
  if (!message) return;
  if (!window.confirm(message)) {
    event.preventDefault();
    return;
  }
  const confirmed = form.querySelector("[data-confirmed]");
  if (confirmed) confirmed.value = "y";
});
