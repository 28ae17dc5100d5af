-- wrk script: POSTs anonymous submissions, the same shape as submit_load sends, as a cross-check
-- that submit_load is not the bottleneck.
--
--   wrk -t1 -c32 -d10s --latency -s bench/wrk_submit.lua http://127.0.0.1:PORT
--
-- Environment: WRK_PATH (default /reports, the bare ceiling; for Signaal
-- /api/v1/schools/<slug>/reports) and WRK_TOKEN (a form token for Signaal, already past its
-- minimum fill time). Bodies rotate over a precomputed set so wrk spends no time building them.

local path = os.getenv("WRK_PATH") or "/reports"
local token = os.getenv("WRK_TOKEN") or ""
local names = { "Noor", "Daan", "Fleur", "Luuk", "Sanne", "Bram", "Evi", "Milan", "Yara", "Thijs" }
local templates = {
  "In de pauze op het schoolplein werd %s weer uitgescholden door een groepje uit groep 6. Ze riepen lelijke dingen over haar kleren en lachten toen ze begon te huilen. Het was rond %d:%02d en er was geen meester of juf in de buurt.",
  "Sinds een paar weken sturen kinderen uit de klas nare berichten over %s in de groepsapp. Vandaag zetten ze er een foto bij die niet gedeeld mocht worden. Iemand zei dat ze moesten stoppen, maar kreeg toen ook berichten (om %d:%02d).",
  "Op weg naar huis werd %s om %d:%02d bij het fietsenhok geduwd en de fiets is omgegooid. Ik zag het vanaf de overkant. Het is niet de eerste keer, het gebeurt al sinds de herfstvakantie, bijna elke dag na school.",
}
local headers = { ["Content-Type"] = "application/json" }
local requests = {}

function init(args)
  for i = 0, 199 do
    local template = templates[(i % #templates) + 1]
    local name = names[(math.floor(i / #templates) % #names) + 1]
    local description = string.format(template, name, 8 + (i % 8), i % 60)
    local body = string.format(
      '{"form_token":"%s","reporter":"pupil_witness","categories":["verbal","online"],'
        .. '"place":"schoolyard","date":"2026-11-20","part_of_day":"break","frequency":"several_times",'
        .. '"did_it":[{"name":"Sem de Vries","group":"6b"}],"done_to":[{"name":"Noor"}],'
        .. '"description":"%s","contact":null}',
      token, description)
    requests[#requests + 1] = wrk.format("POST", path, headers, body)
  end
end

local counter = 0

function request()
  counter = counter + 1
  return requests[(counter % #requests) + 1]
end
