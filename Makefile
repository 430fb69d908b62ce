# xiaoan: the front door. `make run` and `make test` install what is
# missing (Debian packages from debian-packages.txt), build, and go.
BUILD    ?= build
ASAN     ?= build-asan
FUZZ     ?= build-fuzz
DATA     ?= data
LISTEN   ?= 127.0.0.1:8080
FUZZ_SECONDS ?= 60

.PHONY: all deps build asan run test bench fuzz clean

all: build

deps:
	@sh tools/deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=debugoptimized

$(ASAN)/build.ninja:
	meson setup $(ASAN) --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

asan: deps $(ASAN)/build.ninja
	ninja -C $(ASAN)

run: build
	./$(BUILD)/xiaoan demo --data $(DATA) --if-empty
	./$(BUILD)/xiaoan serve --data $(DATA) --listen $(LISTEN)

test: build asan
	sh tests/run.sh $(BUILD) $(ASAN)

bench: build
	sh bench/run.sh $(BUILD)/xiaoan
	sh bench/cases.sh $(BUILD)/xiaoan
	sh bench/surveys.sh $(BUILD)/xiaoan

fuzz: deps
	[ -f $(FUZZ)/build.ninja ] || CC=clang meson setup $(FUZZ) --buildtype=debug -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false
	ninja -C $(FUZZ)
	sh tests/fuzz/run.sh $(FUZZ) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(ASAN) $(FUZZ)
