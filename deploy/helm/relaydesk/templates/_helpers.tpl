{{/* Names, labels, images and the pieces every pod shares. */}}

{{- define "relaydesk.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* `<release>-relaydesk`, or the release name alone when it already says relaydesk. Components append a
suffix, so it is cut at 40 characters to leave room for `-compliance-<hash>` pod names. */}}
{{- define "relaydesk.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Name of one component: (dict "root" $ "component" "gateway"). */}}
{{- define "relaydesk.componentName" -}}
{{- printf "%s-%s" (include "relaydesk.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "relaydesk.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object: (dict "root" $ "component" "gateway"). */}}
{{- define "relaydesk.labels" -}}
helm.sh/chart: {{ include "relaydesk.chart" .root }}
{{ include "relaydesk.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: relaydesk
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels; they never change across upgrades, so nothing user-set goes in here. */}}
{{- define "relaydesk.selectorLabels" -}}
app.kubernetes.io/name: {{ include "relaydesk.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- if .component }}
app.kubernetes.io/component: {{ .component }}
{{- end }}
{{- end -}}

{{- define "relaydesk.annotations" -}}
{{- with .Values.commonAnnotations }}
{{- toYaml . }}
{{- end }}
{{- end -}}

{{/* An image reference from {registry, repository, tag, digest} with the chart's defaults:
(dict "image" .Values.image "root" $ "defaultTag" "0.1.0"). skaffold passes tag@digest and leaves the digest
empty when it did not push, so a dangling "@" is cut. */}}
{{- define "relaydesk.imageRef" -}}
{{- $registry := default .image.registry .root.Values.global.imageRegistry -}}
{{- $repository := .image.repository -}}
{{- $ref := ternary (printf "%s/%s" $registry $repository) $repository (ne $registry "") -}}
{{- if .image.digest -}}
{{- printf "%s@%s" $ref .image.digest -}}
{{- else -}}
{{- printf "%s:%s" $ref (trimSuffix "@" (default .defaultTag (toString .image.tag))) -}}
{{- end -}}
{{- end -}}

{{- define "relaydesk.image" -}}
{{- include "relaydesk.imageRef" (dict "image" .Values.image "root" . "defaultTag" .Chart.AppVersion) -}}
{{- end -}}

{{- define "relaydesk.rayImage" -}}
{{- include "relaydesk.imageRef" (dict "image" .Values.rayService.image "root" . "defaultTag" (printf "%s-%s" .Chart.AppVersion .Values.rayService.image.flavor)) -}}
{{- end -}}

{{- define "relaydesk.imagePullSecrets" -}}
{{- $secrets := concat .Values.global.imagePullSecrets .Values.image.pullSecrets | uniq -}}
{{- if $secrets -}}
imagePullSecrets:
{{- range $secrets }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "relaydesk.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "relaydesk.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Secrets. Each helper renders empty when there is nothing to reference, and the env renderer then leaves
the variable out. */}}
{{- define "relaydesk.kafka.secretName" -}}
{{- if .Values.kafka.sasl.existingSecret -}}
{{- .Values.kafka.sasl.existingSecret -}}
{{- else if .Values.kafka.sasl.password -}}
{{- printf "%s-kafka" (include "relaydesk.fullname" .) -}}
{{- end -}}
{{- end -}}

{{- define "relaydesk.gateway.secretName" -}}
{{- default (printf "%s-gateway" (include "relaydesk.fullname" .)) .Values.gateway.auth.existingSecret -}}
{{- end -}}

{{/* The bundled Qdrant's object names, computed as its chart does (release name, unless it holds "qdrant"). */}}
{{- define "relaydesk.qdrant.fullname" -}}
{{- if .Values.qdrant.fullnameOverride -}}
{{- .Values.qdrant.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains "qdrant" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-qdrant" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "relaydesk.vectorstore.url" -}}
{{- if .Values.vectorstore.url -}}
{{- .Values.vectorstore.url -}}
{{- else if .Values.qdrant.enabled -}}
{{- printf "http://%s:6333" (include "relaydesk.qdrant.fullname" .) -}}
{{- else -}}
{{- fail "knowledge and retrieval need a Qdrant: set qdrant.enabled=true or vectorstore.url" -}}
{{- end -}}
{{- end -}}

{{- define "relaydesk.vectorstore.secretName" -}}
{{- if .Values.vectorstore.existingSecret -}}
{{- .Values.vectorstore.existingSecret -}}
{{- else if .Values.vectorstore.apiKey -}}
{{- printf "%s-vectorstore" (include "relaydesk.fullname" .) -}}
{{- else if and .Values.qdrant.enabled (not .Values.vectorstore.url) .Values.qdrant.apiKey -}}
{{- printf "%s-apikey" (include "relaydesk.qdrant.fullname" .) -}}
{{- end -}}
{{- end -}}

{{- define "relaydesk.vectorstore.secretKey" -}}
{{- if .Values.vectorstore.existingSecret -}}
{{- .Values.vectorstore.existingSecretKey -}}
{{- else -}}
api-key
{{- end -}}
{{- end -}}

{{/* KubeRay names the Service in front of the Serve proxies `<RayService name>-serve-svc` and its
RayClusters `<RayService name>-<suffix>`; a short component name keeps both under 63 characters. */}}
{{- define "relaydesk.rayService.name" -}}
{{- include "relaydesk.componentName" (dict "root" . "component" "llm") -}}
{{- end -}}

{{/* The full URL of the generation app: the client appends the route prefix only to a bare host:port. */}}
{{- define "relaydesk.generation.serveUrl" -}}
{{- if .Values.rayService.enabled -}}
{{- printf "http://%s-serve-svc:%d%s" (include "relaydesk.rayService.name" .) (int .Values.rayService.serve.port) .Values.rayService.serve.routePrefix -}}
{{- else if .Values.rayService.externalServeUrl -}}
{{- .Values.rayService.externalServeUrl -}}
{{- else -}}
{{- fail "the generation worker needs Ray Serve: set rayService.enabled=true or rayService.externalServeUrl" -}}
{{- end -}}
{{- end -}}

{{/* The env list of a container: (dict "root" $ "env" (list map...) "secretEnv" (list map...)).
Later maps win. Values go through tpl; empty values and secret refs with an empty name are left out. */}}
{{- define "relaydesk.env" -}}
{{- $root := .root -}}
{{- /* set, not merge: a later map's empty value must win too, so that it can drop a variable. */ -}}
{{- $plain := dict -}}
{{- range .env }}{{ range $k, $v := (default dict .) }}{{ $_ := set $plain $k $v }}{{ end }}{{ end -}}
{{- $secret := dict -}}
{{- range .secretEnv }}{{ range $k, $v := (default dict .) }}{{ $_ := set $secret $k $v }}{{ end }}{{ end -}}
{{- range $name, $value := $plain }}
{{- if not (hasKey $secret $name) }}
{{- $rendered := tpl (toString $value) $root }}
{{- if $rendered }}
- name: {{ $name }}
  value: {{ $rendered | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- range $name, $ref := $secret }}
{{- $secretName := tpl (toString $ref.secretName) $root }}
{{- if $secretName }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ $secretName | quote }}
      key: {{ tpl (toString $ref.key) $root | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* HTTP probes: (dict "probe" .Values.gateway.livenessProbe "path" "/healthz" "port" "http"). */}}
{{- define "relaydesk.httpProbe" -}}
httpGet:
  path: {{ .path }}
  port: {{ .port }}
{{- with .probe }}
{{- if hasKey . "initialDelaySeconds" }}
initialDelaySeconds: {{ .initialDelaySeconds }}
{{- end }}
periodSeconds: {{ .periodSeconds }}
timeoutSeconds: {{ .timeoutSeconds }}
failureThreshold: {{ .failureThreshold }}
{{- end }}
{{- end -}}

{{- define "relaydesk.preStop" -}}
preStop:
  exec:
    command: ["sleep", {{ .Values.lifecycle.preStopSleepSeconds | toString | quote }}]
{{- end -}}

{{/* Volumes every application pod mounts: a writable /tmp and RELAYDESK_HOME on a read-only root. */}}
{{- define "relaydesk.stateVolumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
- name: home
  emptyDir:
    sizeLimit: {{ .sizeLimit }}
{{- end -}}

{{- define "relaydesk.stateVolumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: home
  mountPath: {{ tpl .Values.env.RELAYDESK_HOME . }}
{{- end -}}

{{/* A PodDisruptionBudget spec from {minAvailable, maxUnavailable}: exactly one of them is set. */}}
{{- define "relaydesk.pdbBudget" -}}
{{- if and (ne (toString .minAvailable) "") (ne (toString .minAvailable) "<nil>") -}}
minAvailable: {{ .minAvailable }}
{{- else -}}
maxUnavailable: {{ .maxUnavailable }}
{{- end -}}
{{- end -}}

{{/* HPA metrics from {targetCPUUtilizationPercentage, targetMemoryUtilizationPercentage}. */}}
{{- define "relaydesk.hpaMetrics" -}}
{{- if not (or .targetCPUUtilizationPercentage .targetMemoryUtilizationPercentage) -}}
{{- fail "autoscaling needs targetCPUUtilizationPercentage or targetMemoryUtilizationPercentage" -}}
{{- end -}}
metrics:
{{- if .targetCPUUtilizationPercentage }}
  - type: Resource
    resource:
      name: cpu
      target:
        type: Utilization
        averageUtilization: {{ .targetCPUUtilizationPercentage }}
{{- end }}
{{- if .targetMemoryUtilizationPercentage }}
  - type: Resource
    resource:
      name: memory
      target:
        type: Utilization
        averageUtilization: {{ .targetMemoryUtilizationPercentage }}
{{- end }}
{{- end -}}

{{/* With a Qdrant server, the retrieval worker answers the gateway's knowledge searches on its web port. */}}
{{- define "relaydesk.gateway.searchUrl" -}}
{{- if .Values.workers.retrieval.enabled -}}
{{- printf "http://%s:%d" (include "relaydesk.componentName" (dict "root" . "component" "retrieval")) (int .Values.workerDefaults.webPort) -}}
{{- end -}}
{{- end -}}

{{/* The internal service token the gateway sends and the workers' tenant-data endpoints require. */}}
{{- define "relaydesk.internalToken.secretName" -}}
{{- default (printf "%s-internal" (include "relaydesk.fullname" .)) .Values.internalToken.existingSecret -}}
{{- end -}}

{{- define "relaydesk.internalToken.secretKey" -}}
{{- if .Values.internalToken.existingSecret -}}
{{- .Values.internalToken.existingSecretKey -}}
{{- else -}}
token
{{- end -}}
{{- end -}}

{{/* TCP port of a URL: its explicit port, else (dict "url" u "default" n), else the scheme's (443 / 80). */}}
{{- define "relaydesk.urlPort" -}}
{{- $u := urlParse .url -}}
{{- $hostport := $u.host -}}
{{- if regexMatch ":[0-9]+$" $hostport -}}
{{- last (splitList ":" $hostport) -}}
{{- else if .default -}}
{{- .default -}}
{{- else if eq $u.scheme "https" -}}
443
{{- else -}}
80
{{- end -}}
{{- end -}}

{{/* The distinct ports of kafka.bootstrap (host:port,host:port), as a JSON list of ints. */}}
{{- define "relaydesk.kafka.ports" -}}
{{- $ports := dict -}}
{{- range splitList "," .Values.kafka.bootstrap }}
{{- $hostport := trim . -}}
{{- if regexMatch ":[0-9]+$" $hostport -}}
{{- $_ := set $ports (last (splitList ":" $hostport)) true -}}
{{- else if $hostport -}}
{{- $_ := set $ports "9092" true -}}
{{- end -}}
{{- end -}}
{{- $out := list -}}
{{- range $port, $_ := $ports }}{{ $out = append $out (int $port) }}{{ end -}}
{{- toJson $out -}}
{{- end -}}

{{/* Partition count of a topic under the partition plan: (dict "root" $ "topic" "relaydesk.turns.raw"). */}}
{{- define "relaydesk.topicPartitions" -}}
{{- $plan := index (default dict .root.Values.kafka.topicPlan) .topic | default dict -}}
{{- default .root.Values.kafka.partitions $plan.partitions | int -}}
{{- end -}}

{{/* A worker's consumer group: the Faust app id `relaydesk-<stage>[-<topic prefix without its trailing dot>]`
(relaydesk.common.faust_app.make_app). */}}
{{- define "relaydesk.worker.consumerGroup" -}}
{{- $prefix := .root.Values.kafka.topicPrefix -}}
{{- if $prefix -}}
{{- printf "relaydesk-%s-%s" .stage (trimSuffix "." $prefix) -}}
{{- else -}}
{{- printf "relaydesk-%s" .stage -}}
{{- end -}}
{{- end -}}

{{/* The most replicas a worker can run: maxReplicas when autoscaled, else its fixed count. */}}
{{- define "relaydesk.worker.mostReplicas" -}}
{{- ternary .autoscaling.maxReplicas .replicas .autoscaling.enabled | int -}}
{{- end -}}

{{/* Render-time checks of the scaling plan: an autoscaler must never add consumers that would get no
partition, and min must not exceed max. Fixed replicas beyond the partitions are allowed (hot standbys) and
NOTES.txt warns about them. */}}
{{- define "relaydesk.workers.checkScaling" -}}
{{- range $stage, $w := .Values.workers }}
{{- if and $w.enabled $w.autoscaling.enabled }}
{{- $partitions := include "relaydesk.topicPartitions" (dict "root" $ "topic" (first $w.inputTopics)) | int }}
{{- if gt (int $w.autoscaling.maxReplicas) $partitions }}
{{- fail (printf "workers.%s.autoscaling.maxReplicas is %d but its input topic %s has %d partitions (kafka.topicPlan / kafka.partitions): lower maxReplicas or plan more partitions" $stage (int $w.autoscaling.maxReplicas) (first $w.inputTopics) $partitions) }}
{{- end }}
{{- if gt (int $w.autoscaling.minReplicas) (int $w.autoscaling.maxReplicas) }}
{{- fail (printf "workers.%s.autoscaling.minReplicas (%d) is above maxReplicas (%d)" $stage (int $w.autoscaling.minReplicas) (int $w.autoscaling.maxReplicas)) }}
{{- end }}
{{- end }}
{{- end }}
{{- range $topic, $_ := (default dict .Values.kafka.topicPlan) }}
{{- if not (hasPrefix "relaydesk." $topic) }}
{{- fail (printf "kafka.topicPlan names %q: plan topics by their relaydesk.* name, without kafka.topicPrefix" $topic) }}
{{- end }}
{{- end }}
{{- end -}}
