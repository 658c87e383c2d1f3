/* Small progressive enhancements for the portal; every page works without them
   except the send preview (htmx) and drag and drop. No build step. */
(function () {
  "use strict";

  /* Words in the page's language: Django's JavaScript catalogue (/jsi18n/, loaded before
     this file) defines gettext, ngettext and interpolate; without it, English. */
  var gettext = window.gettext || function (text) { return text; };
  var ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  var interpolate = window.interpolate || function (text, values) {
    return text.replace(/%\(\w+\)s/g, function (name) { return String(values[name.slice(2, -2)]); });
  };

  /* --- htmx: errors and accessibility ---------------------------------------- */
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 422 || status === 400) return; // swapped beside the fields
    announce(status === 403 ? gettext("You are not allowed to do that.") :
      status === 404 ? gettext("Not found (it may have been deleted).") :
      interpolate(gettext("Something went wrong (%(status)s). Please try again."), { status: status }, true));
  });
  document.addEventListener("htmx:sendError", function () {
    announce(gettext("The portal cannot be reached. Check your connection."));
  });
  // Error slots swapped out of band: mark their inputs invalid (or valid again).
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var slot = event.target; // the element swapped in (detail.target is the one it replaced)
    if (!slot || !slot.id || slot.id.slice(-6) !== "_error") return;
    var input = document.getElementById(slot.id.slice(0, -6));
    if (!input) return;
    var invalid = slot.textContent.trim() !== "";
    if (invalid) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (invalid && described.indexOf(slot.id) < 0) described.push(slot.id);
    input.setAttribute("aria-describedby", described.join(" "));
  });

  function announce(text) {
    var region = document.getElementById("live-region");
    if (!region) return;
    region.textContent = "";
    var item = document.createElement("li");
    item.className = "error";
    item.textContent = text;
    region.appendChild(item);
  }

  /* --- show/hide dependent fields ------------------------------------------------ */
  function syncConditionals(root) {
    (root || document).querySelectorAll("[data-show-when]").forEach(function (block) {
      var rule = block.getAttribute("data-show-when").split("=");
      var inputs = document.querySelectorAll('[name="' + rule[0] + '"]');
      var on = false;
      inputs.forEach(function (input) {
        if (input.type === "checkbox") on = on || input.checked;
        else if (input.type === "radio") on = on || (input.checked && input.value === rule[1]);
        else on = on || input.value === rule[1];
      });
      block.hidden = !on;
    });
  }
  document.addEventListener("change", function () { syncConditionals(); });

  /* --- send page: ordered file list with drag and drop ---------------------------- */
  function setUpFiles(input) {
    var zone = document.getElementById("dropzone");
    var list = document.getElementById("file-list");
    var chosen = [];
    if (typeof DataTransfer === "undefined") return; // the plain input still works

    function sync() {
      var transfer = new DataTransfer();
      chosen.forEach(function (file) { transfer.items.add(file); });
      input.files = transfer.files;
      render();
    }
    function size(bytes) {
      return bytes > 1048576 ? (bytes / 1048576).toFixed(1) + " MB" : Math.max(1, Math.round(bytes / 1024)) + " KB";
    }
    function button(label, text, action) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "small";
      b.setAttribute("aria-label", label);
      b.textContent = text;
      b.addEventListener("click", action);
      return b;
    }
    function render() {
      list.innerHTML = "";
      chosen.forEach(function (file, index) {
        var item = document.createElement("li");
        var name = document.createElement("span");
        name.className = "name";
        name.textContent = file.name;
        var bytes = document.createElement("span");
        bytes.className = "size";
        bytes.textContent = size(file.size);
        item.appendChild(name);
        item.appendChild(bytes);
        if (index > 0) item.appendChild(button(interpolate(gettext("Move %(name)s up"), { name: file.name }, true), "↑", function () {
          chosen.splice(index - 1, 0, chosen.splice(index, 1)[0]); sync();
        }));
        if (index < chosen.length - 1) item.appendChild(button(interpolate(gettext("Move %(name)s down"), { name: file.name }, true), "↓", function () {
          chosen.splice(index + 1, 0, chosen.splice(index, 1)[0]); sync();
        }));
        item.appendChild(button(interpolate(gettext("Remove %(name)s"), { name: file.name }, true), "✕", function () {
          chosen.splice(index, 1); sync();
        }));
        list.appendChild(item);
      });
    }
    function add(files) {
      Array.prototype.forEach.call(files, function (file) { chosen.push(file); });
      sync();
    }
    input.addEventListener("change", function () {
      // The input now holds what was just picked: keep the earlier picks too.
      var picked = Array.prototype.slice.call(input.files);
      if (picked.length && chosen.indexOf(picked[0]) < 0) add(picked);
    });
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (event) { event.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (type) {
      zone.addEventListener(type, function (event) { event.preventDefault(); zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (event) { add(event.dataTransfer.files); });
  }

  /* --- send page: contact suggestions, an ARIA combobox ------------------------------ */
  function addRecipient(number) {
    var field = document.getElementById("id_to");
    var current = field.value.trim();
    field.value = current ? current.replace(/[,;\s]*$/, "") + ", " + number : number;
    field.dispatchEvent(new Event("input", { bubbles: true }));
    var search = document.getElementById("contact-search");
    search.value = "";
    closeSuggestions();
    field.focus();
  }
  function suggestionOptions() {
    var list = document.getElementById("contact-suggestions");
    return list ? Array.prototype.slice.call(list.querySelectorAll("[data-add-recipient]")) : [];
  }
  function closeSuggestions() {
    var list = document.getElementById("contact-suggestions");
    var search = document.getElementById("contact-search");
    if (list) list.innerHTML = "";
    if (search) { search.setAttribute("aria-expanded", "false"); search.removeAttribute("aria-activedescendant"); }
  }
  function highlight(index) {
    var options = suggestionOptions();
    var search = document.getElementById("contact-search");
    options.forEach(function (option, i) { option.setAttribute("aria-selected", i === index ? "true" : "false"); });
    if (options[index]) {
      search.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      search.removeAttribute("aria-activedescendant");
    }
  }
  document.addEventListener("click", function (event) {
    var pick = event.target.closest("[data-add-recipient]");
    if (pick) addRecipient(pick.getAttribute("data-add-recipient"));
  });
  document.addEventListener("keydown", function (event) {
    if (!event.target || event.target.id !== "contact-search") return;
    var options = suggestionOptions();
    var current = options.findIndex(function (o) { return o.getAttribute("aria-selected") === "true"; });
    if (event.key === "ArrowDown" && options.length) {
      event.preventDefault();
      highlight(current < options.length - 1 ? current + 1 : 0);
    } else if (event.key === "ArrowUp" && options.length) {
      event.preventDefault();
      highlight(current > 0 ? current - 1 : options.length - 1);
    } else if (event.key === "Enter") {
      event.preventDefault(); // never submits the send form from here
      if (current >= 0) addRecipient(options[current].getAttribute("data-add-recipient"));
    } else if (event.key === "Escape") {
      closeSuggestions();
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "contact-suggestions") {
      var search = document.getElementById("contact-search");
      search.setAttribute("aria-expanded", suggestionOptions().length ? "true" : "false");
      search.removeAttribute("aria-activedescendant");
    }
  });

  /* --- forms that create something: one submission ---------------------------------- */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-once") || form.hasAttribute("hx-post")) return;
    if (form.getAttribute("data-submitting")) { event.preventDefault(); return; }
    form.setAttribute("data-submitting", "1");
    // After this event the browser has taken the clicked button's value: now disable.
    setTimeout(function () {
      form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) { b.disabled = true; });
    }, 0);
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitting]").forEach(function (form) {
      form.removeAttribute("data-submitting");
      form.querySelectorAll("button[disabled]").forEach(function (b) { b.disabled = false; });
    });
  });

  /* --- live lists and statuses: poll, slower while the tab is hidden ------------------ */
  var HIDDEN_FACTOR = 6; // a hidden tab polls six times less often (never stops)
  var lastPoll = new WeakMap();
  function pollTick() {
    var now = Date.now();
    document.querySelectorAll("[data-poll]").forEach(function (el) {
      var seconds = parseFloat(el.getAttribute("data-poll")) || 5;
      if (document.hidden) seconds *= HIDDEN_FACTOR;
      var last = lastPoll.get(el);
      if (last === undefined) { lastPoll.set(el, now); return; }
      if (now - last >= seconds * 1000 && window.htmx) {
        lastPoll.set(el, now);
        window.htmx.trigger(el, "poll");
      }
    });
  }

  /* --- unread count (title, sidebar) and desktop notifications ------------------------ */
  var unreadSeen = null;
  var newestSeen = null;
  function showUnread(count) {
    var badge = document.getElementById("unread-count");
    if (badge) {
      badge.hidden = !count;
      var number = badge.querySelector("[data-unread]");
      if (number) number.textContent = count || "";
    }
    var title = document.title.replace(/^\(\d+\+?\) /, "");
    document.title = count ? "(" + count + ") " + title : title;
  }
  function notificationsOn() {
    return "Notification" in window && Notification.permission === "granted" &&
      window.localStorage.getItem("faxportal.notify") === "on";
  }
  function pollUnread() {
    var url = document.body.getAttribute("data-unread-url");
    if (!url || !window.fetch) return;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        var count = data.unread >= 100 ? "99+" : (data.unread ? String(data.unread) : "");
        showUnread(count);
        var newest = data.newest ? data.newest.id : null;
        if (newestSeen !== null && newest && newest !== newestSeen && data.unread >= (unreadSeen || 0) && notificationsOn()) {
          var pages = data.newest.pages;
          var note = new Notification(interpolate(gettext("New fax from %(from)s"), { from: data.newest.from }, true), {
            body: (pages ? interpolate(ngettext("%(count)s page", "%(count)s pages", pages), { count: pages }, true) + " · " : "") + gettext("open it in the inbox"),
            tag: "fax-" + newest
          });
          note.onclick = function () { window.focus(); window.location.href = data.newest.url; };
        }
        newestSeen = newest || "";
        unreadSeen = data.unread;
      })
      .catch(function () {});
  }
  function scheduleUnread() {
    var seconds = parseFloat(document.body.getAttribute("data-unread-seconds")) || 15;
    setTimeout(function () { pollUnread(); scheduleUnread(); }, seconds * 1000 * (document.hidden ? HIDDEN_FACTOR : 1));
  }
  function setUpNotifyToggle() {
    var toggle = document.getElementById("notify-toggle");
    if (!toggle || !("Notification" in window)) return;
    function render() {
      var on = notificationsOn();
      toggle.setAttribute("aria-pressed", on ? "true" : "false");
      toggle.textContent = on ? gettext("Desktop alerts: on") : gettext("Desktop alerts: off");
    }
    toggle.hidden = false;
    render();
    toggle.addEventListener("click", function () {
      if (notificationsOn()) {
        window.localStorage.setItem("faxportal.notify", "off");
        render();
        return;
      }
      Promise.resolve(Notification.requestPermission()).then(function (permission) {
        window.localStorage.setItem("faxportal.notify", permission === "granted" ? "on" : "off");
        if (permission !== "granted") announce(gettext("The browser did not allow notifications."));
        render();
      });
    });
  }

  /* --- fax detail: print the pages ------------------------------------------------------ */
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print]");
    if (!button) return;
    var images = Array.prototype.slice.call(document.querySelectorAll("#fax-pages img"));
    var pending = images.filter(function (img) { img.loading = "eager"; return !img.complete; });
    var left = pending.length;
    if (!left) { window.print(); return; }
    pending.forEach(function (img) {
      var done = function () { left -= 1; if (left === 0) window.print(); };
      img.addEventListener("load", done, { once: true });
      img.addEventListener("error", done, { once: true });
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    syncConditionals();
    // Filters start folded on a phone, where they would push the list off screen.
    if (window.matchMedia("(max-width: 800px)").matches) {
      document.querySelectorAll("details[data-close-on-small]").forEach(function (d) { d.open = false; });
    }
    var files = document.getElementById("id_documents");
    if (files) setUpFiles(files);
    setInterval(pollTick, 1000);
    setUpNotifyToggle();
    if (document.body.getAttribute("data-unread-url")) { pollUnread(); scheduleUnread(); }
  });
})();
