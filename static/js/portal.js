/* Small progressive enhancements for the portal; every page works without them
   except the send preview (htmx) and drag and drop. No build step. */
(function () {
  "use strict";

  /* --- htmx: errors and accessibility ---------------------------------------- */
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 422 || status === 400) return; // swapped beside the fields
    announce(status === 403 ? "You are not allowed to do that." :
      status === 404 ? "Not found (it may have been deleted)." :
      "Something went wrong (" + status + "). Please try again.");
  });
  document.addEventListener("htmx:sendError", function () {
    announce("The portal cannot be reached. Check your connection.");
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
        if (index > 0) item.appendChild(button("Move " + file.name + " up", "↑", function () {
          chosen.splice(index - 1, 0, chosen.splice(index, 1)[0]); sync();
        }));
        if (index < chosen.length - 1) item.appendChild(button("Move " + file.name + " down", "↓", function () {
          chosen.splice(index + 1, 0, chosen.splice(index, 1)[0]); sync();
        }));
        item.appendChild(button("Remove " + file.name, "✕", function () {
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

  /* --- send page: contact suggestions add a recipient ------------------------------- */
  document.addEventListener("click", function (event) {
    var pick = event.target.closest("[data-add-recipient]");
    if (!pick) return;
    var field = document.getElementById("id_to");
    var number = pick.getAttribute("data-add-recipient");
    var current = field.value.trim();
    field.value = current ? current.replace(/[,;\s]*$/, "") + ", " + number : number;
    field.dispatchEvent(new Event("input", { bubbles: true }));
    var search = document.getElementById("contact-search");
    search.value = "";
    document.getElementById("contact-suggestions").innerHTML = "";
    field.focus();
  });

  document.addEventListener("DOMContentLoaded", function () {
    syncConditionals();
    // Filters start folded on a phone, where they would push the list off screen.
    if (window.matchMedia("(max-width: 800px)").matches) {
      document.querySelectorAll("details[data-close-on-small]").forEach(function (d) { d.open = false; });
    }
    var files = document.getElementById("id_documents");
    if (files) setUpFiles(files);
  });
})();
