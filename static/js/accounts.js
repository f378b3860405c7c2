// The account forms (templates/accounts): show each role the scope fields it reads, and reload
// the lists of communes, markets and cooperatives when the province changes. Without this
// script every field shows, with a button to reload the lists.
(function () {
  'use strict';
  document.querySelectorAll('form[data-account-form]').forEach(function (form) {
    var role = form.querySelector('#role');
    var province = form.querySelector('#province_code');
    var refresh = form.querySelector('[data-refresh]');
    if (!role) return;
    function showRoleFields() {
      form.querySelectorAll('[data-roles]').forEach(function (part) {
        part.hidden = part.getAttribute('data-roles').split(' ').indexOf(role.value) < 0;
      });
      var scope = form.querySelector('[data-scope]');
      if (scope) scope.hidden = !scope.querySelector('[data-roles]:not([hidden])');
    }
    role.addEventListener('change', showRoleFields);
    showRoleFields();
    if (province && refresh) {
      refresh.hidden = true;
      province.addEventListener('change', function () {
        if (form.requestSubmit) form.requestSubmit(refresh); else refresh.click();
      });
    }
  });
})();
